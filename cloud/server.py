"""uvicorn for the cloud: a server that ends live streams on shutdown, in the foreground or in a
background thread (the demo, tests and benchmarks)."""

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn
from fastapi import FastAPI

from cloud.alerts.hub import AlertHub

logger = logging.getLogger(__name__)


def server_config(app: FastAPI, host: str, port: int, *, graceful_s: int = 2) -> uvicorn.Config:
    """uvicorn settings of every cloud server: our logging, no access log, bounded shutdown."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=graceful_s,
    )


class ServerStartError(RuntimeError):
    """The API server did not start (usually: the port is taken)."""


def listen(host: str, port: int = 0) -> socket.socket:
    """A listening TCP socket on host:port (0: a port the kernel picks and keeps for us).

    Binding here, rather than handing uvicorn a port number to bind later, means a port chosen
    by the caller can no longer be taken by someone else in between (seen in CI: two xdist
    workers were given the same "free" port). Raises ServerStartError when it cannot bind.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # as uvicorn does: a restart may reuse a port whose old connections linger in TIME_WAIT
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as err:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port} ({err.strerror})") from err
    return sock


def bound_port(sock: socket.socket) -> int:
    """The port a `listen` socket is bound to."""
    return int(sock.getsockname()[1])


class CloudServer(uvicorn.Server):
    """`uvicorn.Server` that closes the alert streams when asked to exit."""

    def __init__(self, config: uvicorn.Config, hub: AlertHub) -> None:
        super().__init__(config)
        self.hub = hub

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Ctrl-C / SIGTERM: end SSE streams, then the usual graceful shutdown."""
        self.hub.close_streams()
        super().handle_exit(sig, frame)


@contextmanager
def serve_in_thread(
    app: FastAPI,
    hub: AlertHub,
    sock: socket.socket,
    *,
    graceful_s: int = 2,
    start_timeout_s: float = 20.0,
) -> Iterator[CloudServer]:
    """Serve `app` on the `listen` socket SOCK from a daemon thread; yields once it accepts
    connections, stops (and closes SOCK) at the end.

    Raises ServerStartError when it does not start in time.
    """
    host, port = sock.getsockname()[:2]
    server = CloudServer(server_config(app, host, port, graceful_s=graceful_s), hub)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"api-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise ServerStartError(f"the API server did not start on {host}:{port}")
            time.sleep(0.02)
        try:
            yield server
        finally:
            # Streams first: an open SSE response would hold the graceful shutdown.
            hub.close_streams()
            server.should_exit = True
            thread.join(graceful_s + 10)
            if thread.is_alive():
                logger.warning("the API server on %s:%s did not stop in time", host, port)
    finally:
        sock.close()
