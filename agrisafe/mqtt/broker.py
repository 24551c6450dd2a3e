"""The embedded MQTT broker (amqtt, MQTT 3.1.1) run in-process on its own event loop thread.

Used by the demo and by `agrisafe broker` so that one machine runs everything with nothing
installed; production points `AGRISAFE_MQTT_URL` at Mosquitto or EMQX instead.
"""

import asyncio
import errno
import logging
import socket
import threading
from typing import Any

from agrisafe.mqtt.url import BrokerAddress

logger = logging.getLogger(__name__)


class BrokerStartError(RuntimeError):
    """The embedded broker could not start (usually: the port is taken)."""


class PortTakenError(BrokerStartError):
    """The broker's port is in use by someone else."""


def _port_taken(err: BaseException) -> bool:
    """True when ERR (amqtt wraps it) comes from binding a port that is in use."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.EADDRINUSE:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (for tests and the demo)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class EmbeddedBroker:
    """amqtt running in a daemon thread; `start()` returns once it accepts connections."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host = host
        # Port 0: ours to choose, and to choose again if another process takes it between
        # free_port() and amqtt's bind (free_port cannot hold it for amqtt).
        self._auto_port = port == 0
        self.port = port or free_port(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker: Any = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> BrokerAddress:
        """How clients reach this broker."""
        return BrokerAddress(host=self.host, port=self.port)

    def start(self, timeout_s: float = 10.0, *, auto_port_tries: int = 5) -> None:
        """Start the broker thread and wait until it listens.

        On a port picked for us (port 0) that turns out to be taken, try AUTO_PORT_TRIES fresh
        ones before giving up; a port the caller chose is never swapped for another.
        """
        for attempt in range(1, auto_port_tries + 1):
            try:
                self._start_once(timeout_s)
                return
            except PortTakenError:
                if not self._auto_port or attempt == auto_port_tries:
                    raise
                logger.info("port %s was taken before the broker bound it; another", self.port)
                self.port = free_port(self.host)

    def _start_once(self, timeout_s: float) -> None:
        # amqtt is an extra (cloud, broker, demo): devices that only publish never import it.
        from amqtt.broker import Broker
        from amqtt.contexts import BrokerConfig, ListenerConfig

        self._check_port_free()
        ready = threading.Event()
        failure: list[BaseException] = []
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            config = BrokerConfig(
                listeners={"default": ListenerConfig(bind=f"{self.host}:{self.port}")},
                plugins={
                    "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
                },
            )
            try:
                self._broker = Broker(config, loop=self._loop)
                self._loop.run_until_complete(self._broker.start())
            except BaseException as err:  # reported to the caller of start()
                failure.append(err)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()
            _drain(self._loop)

        self._thread = threading.Thread(target=run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise BrokerStartError("embedded MQTT broker did not start in time")
        if failure:
            # nothing runs on this loop any more: leave no half-started broker for stop()
            self._thread.join(timeout_s)
            self._loop.close()
            self._broker = None
            kind = PortTakenError if _port_taken(failure[0]) else BrokerStartError
            raise kind(f"embedded MQTT broker failed: {failure[0]}") from failure[0]
        logger.info("embedded MQTT broker listening on %s:%s", self.host, self.port)

    @property
    def closed(self) -> bool:
        """True once a started broker was stopped and its event loop closed."""
        return self._loop is not None and self._loop.is_closed()

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((self.host, self.port))
            except OSError as err:
                raise PortTakenError(
                    f"cannot listen on {self.host}:{self.port} ({err.strerror}); a broker may "
                    f"already run there: set AGRISAFE_MQTT_URL=mqtt://{self.host}:{self.port} "
                    "to use it, or AGRISAFE_BROKER_PORT to pick another port"
                ) from err

    def stop(self, timeout_s: float = 5.0) -> None:
        """Shut the broker down and join its thread."""
        if self._loop is None or self._broker is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
        try:
            fut.result(timeout_s)
        except Exception:  # shutting down anyway
            logger.warning("embedded broker shutdown was not clean", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._broker = None

    def __enter__(self) -> "EmbeddedBroker":
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _drain(loop: asyncio.AbstractEventLoop, grace_s: float = 1.0) -> None:
    """Let what amqtt left running after its shutdown (client handlers, its broadcast loop)
    finish, cancel what does not within GRACE_S, and close the loop.

    Left pending, those tasks are destroyed whenever the garbage collector gets to them, in
    whatever thread runs then: amqtt's cleanup code awaits in a loop that no longer runs and
    prints "Exception ignored … no running event loop" tracebacks (seen in CI, blamed on
    whichever test ran then). Deliveries still waiting for a client's PUBACK hold amqtt's
    broadcast loop up to its own 5 s; we cancel sooner, and amqtt logs our cancellation as an
    ERROR with a traceback, so its broker logger is quieted for that moment only.
    """
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if pending:
        _, late = loop.run_until_complete(asyncio.wait(pending, timeout=grace_s))
        if late:
            amqtt_log = logging.getLogger("amqtt.broker")
            level = amqtt_log.level
            amqtt_log.setLevel(logging.CRITICAL)
            try:
                for task in late:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*late, return_exceptions=True))
            finally:
                amqtt_log.setLevel(level)
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
