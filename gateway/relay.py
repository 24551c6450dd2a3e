"""Site broker → boundary → durable outbox, acknowledged to devices only once on disk.

paho's network thread only enqueues (bounded: past it TCP pushes back and the site broker holds
the rest); the relay thread checks a batch at the boundary, commits the accepted messages to the
outbox in one fsynced transaction, keeps the rejected ones in the local quarantine, and only then
(a) PUBACKs them on the site broker and (b) sends each device an end-to-end ack for the ids the
gateway now holds — the gateway is the next durable hop, so a device may forget them; the gateway
itself forgets them only on the cloud's ack (OutboxPump). One FIFO keeps each device's order.
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
from agrisafe.outbox.store import Publication
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


@dataclass
class RelayStats:
    """Counters for telemetry and logs."""

    received: int = 0
    queued: int = 0
    quarantined: int = 0


class Relay(BackgroundWorker):
    """Consumes the site broker into the gateway's outbox."""

    def __init__(
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
    ) -> None:
        super().__init__("gateway-relay")
        self.rules = rules
        self.outbox = outbox
        self.quarantine = quarantine
        self.offsets = ClockOffsets()
        self.stats = RelayStats()
        self._on_queued = on_queued
        self._batch_max = batch_max
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
        """Check, store and acknowledge batches until stopped."""
        while not self.stopping or not self._queue.empty():
            batch = self._collect()
            if batch:
                self._relay(batch)

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

    def _relay(self, batch: list[Received]) -> None:
        keep: list[Publication] = []
        kept: list[Kept] = []
        acks: dict[str, list[str]] = {}
        refused: dict[str, dict[str, str]] = {}
        for item in batch:
            verdict = check(item.topic, item.payload, item.rx_ms, self.rules)
            if isinstance(verdict, Accepted):
                keep.append(Publication(item.topic, verdict.payload))
                self.offsets.observe(verdict.device, verdict.ts_ms, item.rx_ms)
                acks.setdefault(verdict.device, []).append(verdict.message_id)
            else:
                kept.append(_kept(item, verdict))
                if verdict.device is not None and verdict.message_id is not None:
                    acks.setdefault(verdict.device, []).append(verdict.message_id)
                    refused.setdefault(verdict.device, {})[verdict.message_id] = verdict.reason
        # Durable first (fsync); a crash before this line loses nothing: no PUBACK was sent.
        self.outbox.put_many(keep)
        self.quarantine.add(kept)
        self.stats.received += len(batch)
        self.stats.queued += len(keep)
        self.stats.quarantined += len(kept)
        for row in kept:
            logger.warning("quarantined %s from %s: %s", row.reason, row.topic, row.detail)
        if keep:
            self._on_queued()
        self._acknowledge(batch, acks, refused)

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
