"""The live alert stream: alerts from the MQTT alert topics fanned out to SSE subscribers.

Every ingest worker, in this process or another, publishes alerts to MQTT; the API process
subscribes once and fans out, so the stream sees the alerts of all workers.
"""

import asyncio
import logging
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from pydantic import ValidationError

from agrisafe.mqtt.client import MqttSession
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.protocol import Alert
from agrisafe.protocol.topics import ALERTS_FILTER

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscriber:
    """One stream listener; `regions`/`sites` None means everything."""

    regions: frozenset[str] | None = None
    sites: frozenset[str] | None = None
    queue: asyncio.Queue[Alert | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=1000)
    )  # None = the server is shutting down
    dropped: int = 0

    def wants(self, alert: Alert) -> bool:
        """Scope filter: regulators see their regions, producers their sites."""
        if self.regions is not None and alert.region not in self.regions:
            return False
        return self.sites is None or alert.site in self.sites


class AlertHub:
    """Fan-out of alerts to live subscribers (thread-safe publish into the event loop)."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()  # MQTT QoS 1 may repeat an alert
        self._session: MqttSession | None = None
        self._streams: Counter[str] = Counter()  # open streams per token id

    def open_stream(self, key: str, limit: int) -> bool:
        """Count a new stream for a token; False when it already has `limit` open (event loop)."""
        if self._streams[key] >= limit:
            return False
        self._streams[key] += 1
        return True

    def close_stream(self, key: str) -> None:
        """A stream of this token ended (event loop)."""
        self._streams[key] -= 1
        if self._streams[key] <= 0:
            del self._streams[key]

    def attach(self, loop: asyncio.AbstractEventLoop, addr: BrokerAddress, client_id: str) -> None:
        """Bind to the API's event loop and subscribe to the alert topics."""
        self._loop = loop
        self._session = MqttSession(
            addr, client_id, subscriptions=[(ALERTS_FILTER, 1)], on_message=self._on_mqtt
        )
        self._session.start()

    def detach(self) -> None:
        """Unsubscribe from MQTT."""
        if self._session is not None:
            self._session.stop()
            self._session = None

    def close_streams(self) -> None:
        """End every live stream (server shutdown); thread-safe."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._end_all)

    def _end_all(self) -> None:
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(None)
            except asyncio.QueueFull:
                sub.queue.get_nowait()
                sub.queue.put_nowait(None)

    def subscribe(self, sub: Subscriber) -> Subscriber:
        """Register a listener (call from the event loop)."""
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget a listener."""
        self._subscribers.discard(sub)

    def _on_mqtt(self, msg: mqtt.MQTTMessage) -> None:
        try:
            alert = Alert.model_validate_json(msg.payload)
        except ValidationError:
            logger.warning("ignoring malformed alert on %s", msg.topic)
            return
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.publish, alert)

    def publish(self, alert: Alert) -> None:
        """Deliver to every interested subscriber (call from the event loop)."""
        if alert.id in self._seen:
            return
        self._seen[alert.id] = None
        while len(self._seen) > 10_000:
            self._seen.popitem(last=False)
        for sub in list(self._subscribers):
            if not sub.wants(alert):
                continue
            try:
                sub.queue.put_nowait(alert)
            except asyncio.QueueFull:  # a stalled client must not stall the others
                sub.dropped += 1
