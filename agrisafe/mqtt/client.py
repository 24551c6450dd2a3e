"""paho-mqtt 2.x clients built one way for every component (3.1.1 or 5, TLS, sessions, will)."""

import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from agrisafe.mqtt.url import BrokerAddress, MqttProtocol

logger = logging.getLogger(__name__)

MessageHandler = Callable[[mqtt.MQTTMessage], None]


@dataclass(frozen=True, slots=True)
class Will:
    """Last will: what the broker publishes if this client vanishes."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


class SessionOptions(TypedDict, total=False):
    """Tuning of one MQTT session (keyword arguments of `MqttSession`; defaults in brackets)."""

    persistent: bool  # keep the session and queued QoS 1 messages while away [False]
    session_expiry_s: int  # MQTT 5: how long the broker keeps a persistent session [7 days]
    manual_ack: bool  # acknowledge received QoS 1 messages only when the handler says so [False]
    max_inflight: int  # unacknowledged QoS 1 publishes we allow ourselves [100]
    receive_maximum: int  # MQTT 5: unacknowledged QoS 1 messages the broker may send us [1000]
    keepalive_s: int  # MQTT keep-alive [30]


class BrokerUnavailable(ConnectionError):
    """The broker could not be reached within the timeout."""


class MqttSession:
    """One paho client: connects, reconnects with backoff, restores subscriptions.

    `persistent=True` asks the broker to keep the session and queued QoS 1 messages while we are
    away (clean_session=0 on 3.1.1; clean_start=0 with a session expiry on MQTT 5).
    """

    def __init__(
        self,
        addr: BrokerAddress,
        client_id: str,
        *,
        will: Will | None = None,
        subscriptions: Sequence[tuple[str, int]] = (),
        on_message: MessageHandler | None = None,
        client_class: type[mqtt.Client] = mqtt.Client,
        **options: Unpack[SessionOptions],
    ) -> None:
        self.addr = addr
        self.client_id = client_id
        self.persistent = persistent = options.get("persistent", False)
        self.connected = threading.Event()
        # Set once the broker acknowledged every subscription of the current connection:
        # messages published before that may not be routed to us.
        self.subscribed = threading.Event()
        self._pending_subs: set[int] = set()
        self.reconnects = 0
        self._session_expiry_s = options.get("session_expiry_s", 7 * 24 * 3600)
        self._subscriptions = list(subscriptions)
        self._on_message = on_message
        # Called in paho's thread after each connect, with the broker's session-present flag.
        self.on_connected: Callable[[mqtt.Client, bool], None] | None = None
        self._keepalive_s = options.get("keepalive_s", 30)
        self._receive_maximum = options.get("receive_maximum", 1000)
        self._ever_connected = False
        v5 = addr.protocol is MqttProtocol.V5
        # A subclass may tune paho's hot path (the cloud's ingest client does); same contract.
        self.client = client_class(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=None if v5 else not persistent,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            manual_ack=options.get("manual_ack", False),
        )
        self.client.max_inflight_messages_set(options.get("max_inflight", 100))
        # Queue without limit inside paho only for what is already in flight; callers keep their
        # own durable outbox, so paho's RAM queue never holds data we cannot afford to lose.
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        if addr.username:
            self.client.username_pw_set(addr.username, addr.password)
        if addr.tls:
            ctx = ssl.create_default_context(cafile=addr.ca_file)
            if addr.insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            self.client.tls_set_context(ctx)
        if will is not None:
            self.client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
        self.client.on_connect = self._handle_connect
        self.client.on_disconnect = self._handle_disconnect
        self.client.on_subscribe = self._handle_subscribe
        if on_message is not None:
            self.client.on_message = self._handle_message

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout_s: float = 10.0) -> None:
        """Connect and start the network thread; raise BrokerUnavailable after `timeout_s`."""
        try:
            self.client.connect(self.addr.host, self.addr.port, self._keepalive_s, **self._v5())
        except OSError as err:
            raise BrokerUnavailable(f"cannot reach MQTT broker {self.addr.url()}: {err}") from err
        self.client.loop_start()
        if not (self.connected.wait(timeout_s) and self.subscribed.wait(timeout_s)):
            self.client.loop_stop()
            raise BrokerUnavailable(f"MQTT broker {self.addr.url()} did not accept the connection")

    def start_background(self) -> None:
        """Start without waiting: connect (and keep retrying) in the network thread."""
        # The same CONNECT as `start`: without the session expiry an MQTT 5 broker would drop
        # a persistent session (and what it queued for us) at every disconnect.
        self.client.connect_async(self.addr.host, self.addr.port, self._keepalive_s, **self._v5())
        self.client.loop_start()

    def _v5(self) -> dict[str, Any]:
        if self.addr.protocol is not MqttProtocol.V5:
            return {}
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        if self.persistent:
            props.SessionExpiryInterval = self._session_expiry_s
        # How many unacknowledged QoS 1/2 messages the broker may send us at once.
        props.ReceiveMaximum = self._receive_maximum
        return {"properties": props, "clean_start": not self.persistent}

    def stop(self) -> None:
        """Disconnect cleanly (no last will) and stop the network thread."""
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()
            self.connected.clear()

    def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe now and after every reconnect."""
        self._subscriptions.append((topic, qos))
        if self.connected.is_set():
            self.client.subscribe(topic, qos)

    # -- paho callbacks --------------------------------------------------------------------
    def _handle_connect(
        self, client: mqtt.Client, _ud: Any, flags: Any, reason: Any, _props: Any
    ) -> None:
        if getattr(reason, "is_failure", False):
            logger.error("broker %s refused connection: %s", self.addr.url(), reason)
            return
        if self._ever_connected:
            self.reconnects += 1
        self._ever_connected = True
        logger.info(
            "connected to %s as %s (session present: %s)",
            self.addr.url(),
            self.client_id,
            getattr(flags, "session_present", None),
        )
        self.subscribed.clear()
        for topic, qos in self._subscriptions:
            _rc, mid = client.subscribe(topic, qos)
            if mid is not None:
                self._pending_subs.add(mid)
        if not self._pending_subs:
            self.subscribed.set()
        self.connected.set()
        if self.on_connected is not None:
            self.on_connected(client, bool(getattr(flags, "session_present", False)))

    def _handle_disconnect(
        self, _client: mqtt.Client, _ud: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self.connected.clear()
        if getattr(reason, "is_failure", True):
            logger.warning("disconnected from %s: %s", self.addr.url(), reason)
        else:
            logger.info("disconnected from %s", self.addr.url())

    def _handle_subscribe(
        self, _client: mqtt.Client, _ud: Any, mid: int, reasons: Any, _props: Any
    ) -> None:
        failed = [r for r in reasons if getattr(r, "is_failure", False)]
        if failed:
            logger.error("broker refused subscription (mid %s): %s", mid, failed)
        self._pending_subs.discard(mid)
        if not self._pending_subs:
            self.subscribed.set()

    def _handle_message(self, _client: mqtt.Client, _ud: Any, msg: mqtt.MQTTMessage) -> None:
        assert self._on_message is not None
        try:
            self._on_message(msg)
        except Exception:  # a handler bug must not kill paho's network thread
            logger.exception("message handler failed on topic %s", msg.topic)
