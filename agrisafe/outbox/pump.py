"""Drains an outbox to MQTT: QoS 1, in order, a bounded window in flight, delete on PUBACK.

At-least-once: after a reconnect or a restart everything not yet acknowledged is sent again
from the oldest row; the cloud de-duplicates by message id. A device's presence is announced
with a retained `status` online message and a last will `status` offline.
"""

import logging
import queue
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from agrisafe.ids import new_id
from agrisafe.mqtt.client import MqttSession, Will
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox.store import SqliteOutbox
from agrisafe.protocol import DeviceState, Kind, StatusBody, StatusEnvelope
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import utc_now
from agrisafe.worker import BackgroundWorker

logger = logging.getLogger(__name__)


def status_message(site: str, device: str, state: DeviceState) -> tuple[str, bytes]:
    """Topic and payload of a presence message."""
    env = StatusEnvelope(
        v=1,
        id=new_id(),
        kind=Kind.STATUS,
        site=site,
        device=device,
        ts=utc_now(),
        body=StatusBody(state=state),
    )
    return message_topic(site, device, Kind.STATUS), env.to_json()


class OutboxPump(BackgroundWorker):
    """Background thread that moves outbox rows to the broker."""

    def __init__(
        self,
        outbox: SqliteOutbox,
        addr: BrokerAddress,
        *,
        client_id: str,
        presence: tuple[str, str] | None = None,
        window: int = 100,
        idle_wait_s: float = 0.05,
        on_delivered: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__("outbox-pump")
        self.outbox = outbox
        self.window = window
        self.delivered = 0
        self.rounds = 0  # passes of the pump loop: shows it is alive (health checks, tests)
        self._presence = presence
        self._idle_wait_s = idle_wait_s
        self._on_delivered = on_delivered
        # paho's network thread only posts events here; the pump thread alone owns the
        # in-flight map and the cursor, so a PUBACK can never overtake the mid it acknowledges.
        self._events: queue.SimpleQueue[int | None] = queue.SimpleQueue()  # mid, or None=reset
        self._inflight: dict[int, int] = {}  # paho mid → outbox seq
        self._cursor = 0
        self.session = MqttSession(
            addr, client_id, will=self._will(), max_inflight=window, keepalive_s=15
        )
        self.session.client.on_publish = self._handle_publish
        # Chain to the session's own handlers (logging, subscriptions, connected flag).
        self._inner_connect: Callable[..., None] = self.session._handle_connect
        self._inner_disconnect: Callable[..., None] = self.session._handle_disconnect
        self.session.client.on_connect = self._handle_connect
        self.session.client.on_disconnect = self._handle_disconnect

    def _will(self) -> Will | None:
        if self._presence is None:
            return None
        topic, payload = status_message(*self._presence, DeviceState.OFFLINE)
        return Will(topic, payload, qos=1, retain=True)

    def start(self) -> None:
        """Begin connecting (retrying in the background) and pumping."""
        self.session.start_background()
        super().start()

    def stop(self, timeout_s: float | None = None, *, drain_timeout_s: float = 0.0) -> bool:
        """Stop pumping; optionally wait up to `drain_timeout_s` for the outbox to drain first."""
        if drain_timeout_s > 0:
            self.wait_drained(drain_timeout_s)
        return super().stop(timeout_s)

    def on_stop(self) -> None:
        """Announce going offline (while still connected) and disconnect."""
        if self._presence is not None and self.session.connected.is_set():
            topic, payload = status_message(*self._presence, DeviceState.OFFLINE)
            self.session.client.publish(topic, payload, qos=1, retain=True).wait_for_publish(2)
        self.session.stop()

    def wait_drained(self, timeout_s: float) -> bool:
        """Block until the outbox is empty (True) or the timeout passes (False)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.outbox.depth() == 0:
                return True
            time.sleep(0.05)
        return self.outbox.depth() == 0

    # -- paho callbacks (network thread) ----------------------------------------------------
    def _handle_connect(self, client: mqtt.Client, ud: Any, flags: Any, rc: Any, p: Any) -> None:
        self._inner_connect(client, ud, flags, rc, p)
        if getattr(rc, "is_failure", False):
            return
        self._events.put(None)  # re-send everything not acknowledged, oldest first
        if self._presence is not None:
            topic, payload = status_message(*self._presence, DeviceState.ONLINE)
            client.publish(topic, payload, qos=1, retain=True)
        self.wake()

    def _handle_disconnect(self, client: mqtt.Client, ud: Any, f: Any, rc: Any, p: Any) -> None:
        self._inner_disconnect(client, ud, f, rc, p)
        will = self._will()  # a fresh id, so the next offline is not taken for a duplicate
        if will is not None:
            client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)

    def _handle_publish(self, _c: mqtt.Client, _ud: Any, mid: int, rc: Any, _p: Any) -> None:
        if not getattr(rc, "is_failure", False):
            self._events.put(mid)
            self.wake()

    # -- pump thread -------------------------------------------------------------------------
    def run(self) -> None:
        """Acknowledge, send what fits in the window, idle briefly when there is nothing."""
        while not self.stopping:
            self.rounds += 1
            self._process_events()
            sent = self._send_some() if self.session.connected.is_set() else 0
            if sent == 0:
                self.sleep(self._idle_wait_s)
        self._process_events()

    def _process_events(self) -> None:
        acked: list[int] = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            if event is None:
                self._inflight.clear()
                self._cursor = 0
                continue
            seq = self._inflight.pop(event, None)
            if seq is not None:  # None: a presence message, not an outbox row
                acked.append(seq)
        self._ack(acked)

    def _send_some(self) -> int:
        room = self.window - len(self._inflight)
        if room <= 0:
            return 0
        acked: list[int] = []
        sent = 0
        for item in self.outbox.peek(self._cursor, room):
            info = self.session.client.publish(item.topic, item.payload, item.qos, item.retain)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break  # disconnected meanwhile: the reconnect resets the cursor
            if item.qos == 0:
                acked.append(item.seq)
            else:
                self._inflight[info.mid] = item.seq
            self._cursor = item.seq
            sent += 1
        self._ack(acked)
        return sent

    def _ack(self, seqs: list[int]) -> None:
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            self.outbox.ack(chunk)
            self.delivered += len(chunk)
            if self._on_delivered is not None:
                self._on_delivered(len(chunk))
