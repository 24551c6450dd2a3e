"""MQTT ingest worker: QoS 1, persistent session, manual acks after commit, bounded memory.

paho's network thread only enqueues; a batch thread stores each batch in one transaction and
then acknowledges its messages (PUBACK after commit). A crash before the commit leaves the
messages unacknowledged in the broker's session, which re-delivers them: nothing is lost, and
the id index turns the redelivery into duplicates. The queue is bounded: when the store is
slower than the broker, paho's thread blocks, TCP fills, and the broker holds the backlog.
"""

import logging
import queue
import threading
import time

import paho.mqtt.client as mqtt

from agrisafe.mqtt.client import MqttSession
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.protocol.topics import INGEST_FILTER, SHARED_GROUP, shared_filter
from cloud.ingest.decode import Incoming, Source
from cloud.ingest.service import IngestService

logger = logging.getLogger(__name__)


class MqttIngestWorker:
    """One ingest consumer; run N of them on a shared subscription to scale out."""

    def __init__(
        self,
        service: IngestService,
        addr: BrokerAddress,
        *,
        client_id: str,
        shared: bool,
        group: str = SHARED_GROUP,
        batch_max: int = 500,
        batch_wait_s: float = 0.02,
        queue_max: int = 5000,
    ) -> None:
        self.service = service
        self.batch_max = batch_max
        self.batch_wait_s = batch_wait_s
        self._queue: queue.Queue[Incoming] = queue.Queue(maxsize=queue_max)
        self._stop = threading.Event()
        self.subscription = shared_filter(group) if shared else INGEST_FILTER
        self.session = MqttSession(
            addr,
            client_id,
            persistent=True,
            manual_ack=True,
            subscriptions=[(self.subscription, 1)],
            on_message=self._enqueue,
            max_inflight=1000,
            receive_maximum=queue_max,
        )
        self._thread = threading.Thread(target=self._run, name=f"ingest-{client_id}", daemon=True)

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect, subscribe and begin processing."""
        self._thread.start()
        self.session.start(timeout_s)
        logger.info("ingest worker %s subscribed to %s", self.session.client_id, self.subscription)

    def stop(self) -> None:
        """Stop taking messages, finish the batch in hand, disconnect."""
        self._stop.set()
        self._thread.join(10)
        self.session.stop()

    def backlog(self) -> int:
        """Messages received but not yet stored."""
        return self._queue.qsize()

    def _enqueue(self, msg: mqtt.MQTTMessage) -> None:
        item = Incoming(
            payload=bytes(msg.payload),
            topic=msg.topic,
            source=Source.MQTT,
            received_ms=int(time.time() * 1000),
            token=(msg.mid, msg.qos),
        )
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue  # backpressure: hold paho's thread until the store catches up

    def _run(self) -> None:
        while not self._stop.is_set() or not self._queue.empty():
            batch = self._collect()
            if not batch:
                continue
            try:
                self.service.process(batch)
            except Exception:
                # Leave the batch unacknowledged: reconnecting makes the broker re-deliver it.
                logger.exception(
                    "ingest batch of %d failed; reconnecting for redelivery", len(batch)
                )
                self.session.client.reconnect()
                continue
            for item in batch:
                if item.token is not None and item.token[1] > 0:
                    mid, qos = item.token
                    self.session.client.ack(mid, qos)

    def _collect(self) -> list[Incoming]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait_s
        while len(batch) < self.batch_max:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._queue.get(timeout=max(remaining, 0))
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
        return batch
