"""MQTT ingest worker: QoS 1, persistent session, acks after commit, bounded memory.

paho's network thread only enqueues; a batch thread stores each batch in one transaction and
then acknowledges its messages (PUBACK after commit). A crash before the commit leaves the
messages unacknowledged in the broker's session, which re-delivers them: nothing is lost, and
the id index turns the redelivery into duplicates.

Flow control (measured in bench/ingest, explained in docs/scaling.md): because acks wait for
the commit, the number of messages the broker may have unacknowledged with us bounds the batch
size. On MQTT 5 that is our Receive Maximum (sent in CONNECT); on 3.1.1 it is the broker's own
setting (Mosquitto `max_inflight_messages`, default 20 — raise it). The in-process queue is
bounded too: when the store is slower than the broker, paho's thread blocks, TCP fills and the
broker holds the backlog.
"""

import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import paho.mqtt.client as mqtt

from agrisafe.backoff import Backoff
from agrisafe.mqtt.client import MqttSession
from agrisafe.mqtt.url import BrokerAddress, MqttProtocol
from agrisafe.protocol.topics import INGEST_FILTER, SHARED_GROUP, shared_filter
from agrisafe.worker import BackgroundWorker
from cloud.domain import Incoming, Outcome, Source
from cloud.ingest.acks import cloud_acks
from cloud.ingest.isolate import FaultIsolator
from cloud.ingest.paho_fast import IngestClient
from cloud.ingest.service import IngestService
from cloud.ingest.watch import DROPPED_TOPICS, DropWatch, PinWatch

logger = logging.getLogger(__name__)


class BatchTimer(Protocol):
    """Where the worker reports batch timings and failures (metrics)."""

    def batch_done(self, seconds: float) -> None:
        """A batch committed after `seconds`."""

    def batch_failed(self) -> None:
        """A batch attempt failed (it will be retried)."""


@dataclass(frozen=True, slots=True)
class FlowControl:
    """Batch and window sizes of one worker (see the module docstring)."""

    batch_max: int = 1000
    batch_wait_s: float = 0.02
    # ≥ 2 batches, so the next batch fills while one commits; and as large as MQTT 5 allows,
    # because a stock Mosquitto drops what it queues beyond 1,000 messages but never what is
    # in flight (docs/scaling.md). Our own queue stays bounded: TCP pushes back past it.
    receive_maximum: int = 65535
    queue_max: int = 4000
    retry_max_s: float = 30.0
    # Store attempts of one message the database keeps refusing before it is dead-lettered.
    max_attempts: int = 3
    # End-to-end acks to senders after each commit (docs/protocol.md); off: PUBACK only.
    publish_acks: bool = True


class MqttIngestWorker(BackgroundWorker):
    """One ingest consumer; run N of them on a shared subscription to scale out."""

    def __init__(
        self,
        service: IngestService,
        addr: BrokerAddress,
        *,
        client_id: str,
        shared: bool,
        group: str = SHARED_GROUP,
        flow: FlowControl | None = None,
        session_expiry_s: int = 7 * 24 * 3600,
        metrics: BatchTimer | None = None,
    ) -> None:
        super().__init__(f"ingest-{client_id}", join_timeout_s=10.0)
        self.service = service
        self.metrics = metrics
        self.flow = flow or FlowControl()
        self.failures = 0
        self.isolator = FaultIsolator(service, max_attempts=self.flow.max_attempts)
        # monotonic time the batch in hand first failed; None while batches commit (health)
        self.stuck_since: float | None = None
        self._pins = PinWatch(self.flow.batch_max)
        self._drops = DropWatch()
        self._queue: queue.Queue[Incoming] = queue.Queue(maxsize=self.flow.queue_max)
        self._gen_lock = threading.Lock()
        self._generation = 0
        self.subscription = shared_filter(group) if shared else INGEST_FILTER
        self.session = MqttSession(
            addr,
            client_id,
            persistent=True,
            session_expiry_s=session_expiry_s,
            manual_ack=True,
            subscriptions=[(self.subscription, 1), *((t, 0) for t in DROPPED_TOPICS)],
            max_inflight=100,
            receive_maximum=self.flow.receive_maximum,
            client_class=IngestClient,
        )
        client = self.session.client
        assert isinstance(client, IngestClient)
        self._client = client
        client.raw_handler = self._enqueue
        client.on_pre_connect = self._new_connection
        # A resumed session may still hold the other form of the ingest subscription from an
        # earlier run (plain before, shared now, or the reverse): this worker would then
        # receive every message twice. It is removed on connect and reported (health, log).
        self.stale_subscription: str | None = None
        self._other = INGEST_FILTER if shared else shared_filter(group)
        self._stale_mid: int | None = None
        self.session.on_connected = self._drop_stale_subscription
        client.on_unsubscribe = self._handle_unsubscribe

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect, subscribe and begin processing."""
        super().start()
        self.session.start(timeout_s)
        logger.info("ingest worker %s subscribed to %s", self.session.client_id, self.subscription)

    def on_stop(self) -> None:
        """After the batch in hand was stored and acknowledged: disconnect."""
        self.session.stop()

    def stuck(self) -> bool:
        """True while the batch in hand cannot be stored (health reports degraded)."""
        return self.stuck_since is not None

    def backlog(self) -> int:
        """Messages received but not yet stored."""
        return self._queue.qsize()

    # -- paho network thread -------------------------------------------------------------
    def _drop_stale_subscription(self, client: mqtt.Client, session_present: bool) -> None:
        if session_present:
            _rc, self._stale_mid = client.unsubscribe(self._other)

    def _handle_unsubscribe(
        self, _client: mqtt.Client, _ud: Any, mid: int, reasons: Any, _props: Any
    ) -> None:
        if mid != self._stale_mid:
            return
        # Only MQTT 5 says whether the subscription existed (0x11: "no subscription existed").
        if self.session.addr.protocol is MqttProtocol.V5 and any(
            getattr(r, "value", 17) == 0 for r in reasons
        ):
            self.stale_subscription = self._other
            logger.warning(
                "ingest worker %s: the broker still held the subscription %s from an earlier "
                "run with this client id (every message arrived twice); removed it",
                self.session.client_id,
                self._other,
            )

    def _new_connection(self, _client: mqtt.Client, _ud: Any) -> None:
        with self._gen_lock:
            # Packet ids are per connection: never acknowledge an older connection's ids
            # (after a lost session the broker may reuse them for other messages).
            self._generation += 1

    def _enqueue(self, topic: bytes, payload: bytes, mid: int, qos: int) -> None:
        if topic.startswith(b"$SYS/"):
            warning = self._drops.counter(payload)
            if warning is not None:
                logger.warning("%s", warning)
            return
        try:
            text = topic.decode()
        except UnicodeDecodeError:
            text = topic.decode("utf-8", "backslashreplace")  # quarantined as unknown_topic
        item = Incoming(
            payload, text, Source.MQTT, int(time.time() * 1000), (mid, qos), self._generation
        )
        while not self.stopping:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue  # backpressure: hold paho's thread until the store catches up

    # -- batch thread --------------------------------------------------------------------
    def run(self) -> None:
        """Store and acknowledge batches; after `stop`, finish what is queued."""
        while not self.stopping or not self._queue.empty():
            batch = self._collect()
            outcomes = self._store(batch) if batch else None
            if batch and self.session.addr.protocol is MqttProtocol.V311:
                warning = self._pins.batch(len(batch))
                if warning is not None:
                    logger.warning("%s", warning)
            if outcomes is not None:
                self._ack(batch)
                if self.flow.publish_acks:
                    self._publish_acks(batch, outcomes)

    def _publish_acks(self, batch: Sequence[Incoming], outcomes: Sequence[Outcome]) -> None:
        # After the commit: each sender may now forget these ids (QoS 0: a lost ack only
        # causes a re-send, which is a duplicate, which is acknowledged again).
        try:
            for topic, payload in cloud_acks(batch, outcomes):
                self._client.publish(topic, payload, qos=0)
        except Exception:  # an ack is an optimisation of re-sends: never stop ingest for it
            logger.exception("publishing end-to-end acks failed")

    def _store(self, batch: list[Incoming]) -> list[Outcome] | None:
        """Store the batch, retrying with backoff; nothing is acknowledged before it commits."""
        backoff = Backoff(0.5, self.flow.retry_max_s)
        while True:
            started = time.perf_counter()
            try:
                outcomes = self.isolator.process(batch)
                self.stuck_since = None
                if self.metrics is not None:
                    self.metrics.batch_done(time.perf_counter() - started)
                return outcomes
            except Exception:
                # Only an unreachable database gets here (a bad message is isolated above).
                if self.stuck_since is None:
                    self.stuck_since = time.monotonic()
                self.failures += 1
                if self.metrics is not None:
                    self.metrics.batch_failed()
                delay = backoff.next()
                logger.exception(
                    "storing a batch of %d failed; retrying in %.1f s (not acknowledged)",
                    len(batch),
                    delay,
                )
            if self.sleep(delay):
                return None  # the broker re-delivers what we never acknowledged

    def _ack(self, batch: Sequence[Incoming]) -> None:
        with self._gen_lock:
            gen = self._generation
            mids = [
                item.token[0]
                for item in batch
                if item.token is not None and item.token[1] > 0 and item.generation == gen
            ]
            self._client.ack_many(mids)

    def _collect(self) -> list[Incoming]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        get = self._queue.get_nowait
        deadline = time.monotonic() + self.flow.batch_wait_s
        while len(batch) < self.flow.batch_max:
            try:
                batch.append(get())
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
        return batch
