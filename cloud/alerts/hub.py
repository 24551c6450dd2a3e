"""The live alert stream: committed alerts from the cloud's own store fanned out to SSE subscribers.

Every ingest worker, in this process or another, commits alerts to the same database; the API
process tails it once (`cloud/alerts/feed.py`) and fans out, so the stream sees the alerts of all
workers — and only alerts that exist in the store: the MQTT alert topics are never read back
(anyone with broker access could publish on them).
"""

import asyncio
import logging
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from agrisafe.protocol import Alert
from cloud.alerts.feed import StoreAlertFeed

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

    def __init__(self, engine: Engine, *, poll_s: float = 0.25) -> None:
        self._subscribers: set[Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()  # belt and braces: once per id
        self._engine = engine
        self._poll_s = poll_s
        self._feed: StoreAlertFeed | None = None
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

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the API's event loop and start tailing committed alerts."""
        self._loop = loop
        self._feed = StoreAlertFeed(self._engine, self._from_store, poll_s=self._poll_s)
        self._feed.start()

    def detach(self) -> None:
        """Stop tailing the store."""
        if self._feed is not None:
            self._feed.stop()
            self._feed = None

    def deliver(self, alerts: Sequence[Alert]) -> None:
        """`AlertSink` for in-process ingest: a commit happened, read the store now.

        The alerts handed in are not published: only what the store returns is.
        """
        if alerts and self._feed is not None:
            self._feed.wake()

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

    def _from_store(self, alerts: list[Alert]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for alert in alerts:
            loop.call_soon_threadsafe(self.publish, alert)

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
