"""Site broker → boundary → durable outbox, acknowledged to devices only once on disk.

paho's network thread only enqueues (bounded: past it TCP pushes back and the site broker holds
the rest); the relay thread checks a batch at the boundary, commits the accepted messages to the
outbox in one fsynced transaction, keeps the rejected ones in the local quarantine, and only then
(a) PUBACKs them on the site broker and (b) sends each device an end-to-end ack for the ids the
gateway now holds — the gateway is the next durable hop, so a device may forget them; the gateway
itself forgets them only on the cloud's ack (OutboxPump). One FIFO keeps each device's order.

A full outbox (a WAN outage longer than `outbox_max_mb` holds) stops the relay taking messages:
what does not fit is held, neither PUBACKed nor acknowledged to its device, and retried every
`full_retry_s` until the cloud's acks make room; meanwhile the site broker and the devices'
own outboxes keep the rest. Nothing is lost and the relay resumes by itself.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from agrisafe.mqtt.client import MqttSession
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import SqliteOutbox
from agrisafe.outbox.store import OutboxFull, Publication
from agrisafe.protocol import CloudAck
from agrisafe.protocol.ack import MAX_ACK_IDS
from agrisafe.protocol.topics import ack_topic
from agrisafe.worker import BackgroundWorker
from gateway.boundary import Accepted, BoundaryRules, Rejected, check
from gateway.clock import ClockOffsets
from gateway.quarantine import Kept, LocalQuarantine, now_ms

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Received:
    """One message from the site broker, with what acknowledging it needs."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int
    rx_ms: int


Checked = tuple[Received, Accepted | Rejected]  # a message and the boundary's verdict


@dataclass
class RelayStats:
    """Counters for telemetry and logs."""

    received: int = 0
    queued: int = 0
    quarantined: int = 0
    held: int = 0  # taken from the site broker, waiting for room in the outbox
    full_since_ms: int | None = None  # the outbox has been full since (None: it has room)
    full_episodes: int = 0


class Relay(BackgroundWorker):
    """Consumes the site broker into the gateway's outbox."""

    def __init__(  # noqa: PLR0913 - its parts, then keyword-only knobs
        self,
        rules: BoundaryRules,
        local: BrokerAddress,
        outbox: SqliteOutbox,
        quarantine: LocalQuarantine,
        *,
        client_id: str,
        on_queued: Callable[[], None] = lambda: None,
        batch_max: int = 500,
        queue_max: int = 2000,
        full_retry_s: float = 1.0,
    ) -> None:
        super().__init__("gateway-relay")
        self.rules = rules
        self.outbox = outbox
        self.quarantine = quarantine
        self.offsets = ClockOffsets()
        self.stats = RelayStats()
        self._on_queued = on_queued
        self._batch_max = batch_max
        self.full_retry_s = full_retry_s
        self._full_logged = 0.0  # monotonic time of the last "outbox full" error
        self._queue: queue.Queue[Received] = queue.Queue(maxsize=queue_max)
        self._generation = 0
        self._gen_lock = threading.Lock()
        self.session = MqttSession(
            local,
            client_id,
            subscriptions=[(f"agrisafe/v1/{rules.site}/+/+", 1)],
            on_message=self._enqueue,
            persistent=True,
            manual_ack=True,
            receive_maximum=queue_max,
        )
        self.session.on_connected = self._connected

    def start(self) -> None:
        """Connect to the site broker (retrying in the background) and start relaying."""
        self.session.start_background()
        super().start()

    def on_stop(self) -> None:
        """Disconnect from the site broker (unacknowledged messages stay in its session)."""
        self.session.stop()

    # -- paho's thread -----------------------------------------------------------------
    def _connected(self, _client: mqtt.Client, _session_present: bool) -> None:
        # Message ids of an earlier connection mean nothing now: never acknowledge those.
        with self._gen_lock:
            self._generation += 1

    def _enqueue(self, msg: mqtt.MQTTMessage) -> None:
        item = Received(msg.topic, bytes(msg.payload), msg.mid, msg.qos, self._generation, now_ms())
        while not self.stopping:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue  # backpressure: the site broker keeps what we cannot take yet

    # -- relay thread --------------------------------------------------------------------
    def run(self) -> None:
        """Check, store and acknowledge batches until stopped; hold what the outbox has no room
        for and retry it, taking nothing new meanwhile (the site broker keeps the rest)."""
        held: list[Checked] = []
        while True:
            if held:
                if self.sleep(self.full_retry_s):
                    break  # stopping while full: the held messages stay unacknowledged
                batch = held  # checked once: a retry costs a refused put, not the checks again
            elif self.stopping and self._queue.empty():
                break
            else:
                batch = [
                    (i, check(i.topic, i.payload, i.rx_ms, self.rules)) for i in self._collect()
                ]
            held = self._relay_what_fits(batch) if batch else []
            self._note_room(held)

    def _relay_what_fits(self, batch: list[Checked]) -> list[Checked]:
        """Relay the longest head of `batch` that fits, in order; the rest comes back."""
        try:
            self._relay(batch)
        except OutboxFull:
            if len(batch) == 1:
                return batch
            half = len(batch) // 2  # halves: a full outbox costs log2(batch) refused puts
            rest = self._relay_what_fits(batch[:half])
            return rest + batch[half:] if rest else self._relay_what_fits(batch[half:])
        return []

    @property
    def full(self) -> bool:
        """True while messages wait for room in the outbox."""
        return self.stats.full_since_ms is not None

    def _note_room(self, held: list[Checked]) -> None:
        stats, now = self.stats, time.monotonic()
        stats.held = len(held)
        if held and (stats.full_since_ms is None or now - self._full_logged >= 60.0):
            if stats.full_since_ms is None:
                stats.full_since_ms, stats.full_episodes = now_ms(), stats.full_episodes + 1
            self._full_logged = now
            logger.error(
                "OUTBOX FULL (%d of %d bytes, %d rows) for %.0f s: not taking device messages "
                "until the cloud acknowledges some; %d held, the rest wait on the site broker "
                "and in the devices' own outboxes (nothing is lost)",
                self.outbox.size_bytes(),
                self.outbox.max_bytes,
                self.outbox.depth(),
                (now_ms() - stats.full_since_ms) / 1000,
                len(held),
            )
        elif not held and stats.full_since_ms is not None:
            logger.warning(
                "outbox has room again after %.0f s full: relaying",
                (now_ms() - stats.full_since_ms) / 1000,
            )
            stats.full_since_ms = None

    def _collect(self) -> list[Received]:
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + 0.02
        while len(batch) < self._batch_max and time.monotonic() < deadline:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _relay(self, batch: list[Checked]) -> None:
        """Store, quarantine and acknowledge one checked batch; OutboxFull: none of it done."""
        keep: list[Publication] = []
        kept: list[Kept] = []
        acks: dict[str, list[str]] = {}
        refused: dict[str, dict[str, str]] = {}
        seen: list[tuple[str, int, int]] = []
        for item, verdict in batch:
            if isinstance(verdict, Accepted):
                keep.append(Publication(item.topic, verdict.payload))
                seen.append((verdict.device, verdict.ts_ms, item.rx_ms))
                acks.setdefault(verdict.device, []).append(verdict.message_id)
            else:
                kept.append(_kept(item, verdict))
                if verdict.device is not None and verdict.message_id is not None:
                    acks.setdefault(verdict.device, []).append(verdict.message_id)
                    refused.setdefault(verdict.device, {})[verdict.message_id] = verdict.reason
        # Durable first (fsync); a crash before this line loses nothing: no PUBACK was sent.
        self.outbox.put_many(keep)
        self.quarantine.add(kept)
        for device, ts_ms, rx_ms in seen:
            self.offsets.observe(device, ts_ms, rx_ms)
        self.stats.received += len(batch)
        self.stats.queued += len(keep)
        self.stats.quarantined += len(kept)
        for row in kept:
            logger.warning("quarantined %s from %s: %s", row.reason, row.topic, row.detail)
        if keep:
            self._on_queued()
        self._acknowledge([item for item, _v in batch], acks, refused)

    def _acknowledge(
        self, batch: list[Received], acks: dict[str, list[str]], refused: dict[str, dict[str, str]]
    ) -> None:
        with self._gen_lock:
            gen = self._generation
        client = self.session.client
        for item in batch:
            if item.qos > 0 and item.generation == gen:
                client.ack(item.mid, item.qos)
        for device, ids in acks.items():
            why = refused.get(device, {})
            for start in range(0, len(ids), MAX_ACK_IDS):
                chunk = ids[start : start + MAX_ACK_IDS]
                ack = CloudAck(ids=chunk, quarantined={i: why[i] for i in chunk if i in why})
                client.publish(ack_topic(self.rules.site, device), ack.to_json(), qos=0)


def _kept(item: Received, verdict: Rejected) -> Kept:
    return Kept(
        item.rx_ms,
        item.topic,
        verdict.device,
        verdict.message_id,
        verdict.reason.value,
        verdict.detail,
        item.payload,
        len(item.payload),
    )
