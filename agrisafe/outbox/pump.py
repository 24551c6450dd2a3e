"""Drains an outbox to MQTT: QoS 1, in order, a bounded window in flight, delete on the
cloud's end-to-end ack.

A broker's PUBACK is not a promise that the cloud has a message (a broker drops queued messages
for a slow or absent consumer). So a device message (`agrisafe/v1/{site}/{device}/{kind}` with
an `id`) stays in the outbox after its PUBACK until the cloud acknowledges its id on
`agrisafe/cloud/v1/ack/{site}/{device}` after committing it, and is published again after
`ack_timeout_s`. Other rows (the cloud's own alerts) and every row in PUBACK-only mode
(`cloud_acks=False`, for a cloud without acks) are deleted on PUBACK.

At-least-once: after a reconnect or a restart everything not yet acknowledged is sent again
from the oldest row; the cloud de-duplicates by message id (and acknowledges duplicates). A
device's presence is announced with a retained `status` online message and a last will
`status` offline.
"""

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from agrisafe.mqtt.client import MqttSession, Will
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox.acks import AckTracker, CloudClock, device_topic, message_id
from agrisafe.outbox.notices import QUARANTINE_HINTS, status_message
from agrisafe.outbox.store import OutboxItem, SqliteOutbox
from agrisafe.protocol import (
    CloudAck,
    DeviceState,
    OfflineReason,
)
from agrisafe.protocol.topics import ACK_FILTER, ack_topic
from agrisafe.worker import BackgroundWorker

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AckOptions:
    """End-to-end acks (module docstring): on by default; off is PUBACK-only (legacy) mode."""

    cloud_acks: bool = True
    timeout_s: float = 30.0  # publish again when the cloud has not acknowledged by then
    window: int = 2000  # rows sent and not yet acknowledged by the cloud, at most


class OutboxPump(BackgroundWorker):
    """Background thread that moves outbox rows to the broker."""

    def __init__(  # noqa: PLR0913 - keyword-only knobs, each with a default
        self,
        outbox: SqliteOutbox,
        addr: BrokerAddress,
        *,
        client_id: str,
        presence: tuple[str, str] | None = None,
        window: int = 100,
        idle_wait_s: float = 0.05,
        on_delivered: Callable[[int], None] | None = None,
        acks: AckOptions | None = None,
        sign: Callable[[str, bytes], bytes] | None = None,
    ) -> None:
        super().__init__("outbox-pump")
        # Presence messages are signed like the rest (a site requiring signatures would
        # quarantine an unsigned `status`): (device, payload) → signed payload.
        self._sign = sign
        self.outbox = outbox
        self.window = window
        self.acks = acks or AckOptions()
        self._tracker = AckTracker()
        self.cloud_clock = CloudClock()
        self._ack_subs: set[tuple[str, str]] = set()
        self._next_due_check = 0.0
        self.delivered = 0
        self.quarantined = 0  # messages the cloud's acks said it quarantined
        self.rounds = 0  # passes of the pump loop: shows it is alive (health checks, tests)
        self._presence = presence
        self._idle_wait_s = idle_wait_s
        self._on_delivered = on_delivered
        # paho's network thread only posts events here; the pump thread alone owns the
        # in-flight map and the cursor, so a PUBACK can never overtake the mid it acknowledges.
        # mid (PUBACK), None (reset after a reconnect) or the ids of a cloud ack
        self._events: queue.SimpleQueue[int | list[str] | None] = queue.SimpleQueue()
        self._inflight: dict[int, tuple[int, bool]] = {}  # paho mid → (seq, awaits cloud ack)
        self._cursor = 0
        self.session = MqttSession(
            addr,
            client_id,
            will=self._will(),
            max_inflight=window,
            keepalive_s=15,
            on_message=self._handle_message,
        )
        self._listeners: list[tuple[str, Callable[[mqtt.MQTTMessage], None]]] = []
        self.session.client.on_publish = self._handle_publish
        # Chain to the session's own handlers (logging, subscriptions, connected flag).
        self._inner_connect: Callable[..., None] = self.session._handle_connect
        self._inner_disconnect: Callable[..., None] = self.session._handle_disconnect
        self.session.client.on_connect = self._handle_connect
        self.session.client.on_disconnect = self._handle_disconnect

    def _will(self) -> Will | None:
        if self._presence is None:
            return None
        topic, payload = self._status(DeviceState.OFFLINE, OfflineReason.CONNECTION_LOST)
        return Will(topic, payload, qos=1, retain=True)

    def _status(self, state: DeviceState, reason: OfflineReason | None = None) -> tuple[str, bytes]:
        assert self._presence is not None
        topic, payload = status_message(*self._presence, state, reason)
        if self._sign is not None:
            payload = self._sign(self._presence[1], payload)
        return topic, payload

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
            # A graceful goodbye: the cloud raises no device_offline for it.
            topic, payload = self._status(DeviceState.OFFLINE, OfflineReason.SHUTDOWN)
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
            topic, payload = self._status(DeviceState.ONLINE)
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

    def listen(self, filt: str, handler: Callable[[mqtt.MQTTMessage], None]) -> None:
        """Also receive `filt` on this connection (a device's commands): a box has one login,
        and a broker that forces the client id to the username allows one connection."""
        self._listeners.append((filt, handler))
        self.session.subscribe(filt, 1)

    def _handle_message(self, msg: mqtt.MQTTMessage) -> None:
        for filt, handler in self._listeners:
            if mqtt.topic_matches_sub(filt, msg.topic):
                handler(msg)
                return
        if not mqtt.topic_matches_sub(ACK_FILTER, msg.topic):
            # Never subscribed to: the embedded amqtt broker (the demo's) sends each new client
            # the retained messages of every client's subscriptions, e.g. other devices' status.
            logger.debug("ignoring %s: not a topic this sender subscribed to", msg.topic)
            return
        self._handle_ack(msg)

    def _handle_ack(self, msg: mqtt.MQTTMessage) -> None:
        try:
            ack = CloudAck.model_validate_json(msg.payload)
        except ValueError:
            logger.warning("ignoring a malformed cloud ack on %s", msg.topic)
            return
        if ack.quarantined:
            self._report_quarantined(ack.quarantined)
        if ack.ts_ms is not None:
            self.cloud_clock.observe(ack.ts_ms, time.time_ns() // 1_000_000)
        self._events.put(ack.ids)
        self.wake()

    def _report_quarantined(self, quarantined: dict[str, str]) -> None:
        """Loudly: the cloud kept these messages aside instead of storing them."""
        self.quarantined += len(quarantined)
        reasons = sorted(set(quarantined.values()))
        hint = QUARANTINE_HINTS.get(reasons[0], "") if len(reasons) == 1 else ""
        logger.error(
            "the cloud QUARANTINED %d message(s) from %s (reason: %s; %d so far)%s; "
            "an admin sees them in GET /api/v1/quarantine",
            len(quarantined),
            "/".join(self._presence) if self._presence else "this device",
            ", ".join(reasons),
            self.quarantined,
            hint,
        )

    # -- pump thread -------------------------------------------------------------------------
    def run(self) -> None:
        """Acknowledge, send what fits in the window, idle briefly when there is nothing."""
        while not self.stopping:
            self.rounds += 1
            self._process_events()
            sent = 0
            if self.session.connected.is_set():
                sent = self._resend_overdue() + self._send_some()
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
                self._tracker.clear()
                self._cursor = 0
            elif isinstance(event, list):
                acked.extend(self._tracker.acked(event))
            else:
                row = self._inflight.pop(event, None)
                if row is None:
                    continue  # a presence message, not an outbox row
                seq, awaits_cloud = row
                if not awaits_cloud:
                    acked.append(seq)
                elif self._tracker.tracks(seq):  # else the cloud's ack came first: deleted
                    self._tracker.puback(seq, time.monotonic())
        self._ack(acked)

    def _send_some(self) -> int:
        room = min(self.window - len(self._inflight), self.acks.window - len(self._tracker))
        if room <= 0:
            return 0
        items = self.outbox.peek(self._cursor, room)
        sent = self._publish(items)
        if sent:
            self._cursor = items[sent - 1].seq
        return sent

    def _resend_overdue(self) -> int:
        now = time.monotonic()
        if not self.acks.cloud_acks or now < self._next_due_check:
            return 0
        self._next_due_check = now + min(1.0, self.acks.timeout_s / 4)
        room = self.window - len(self._inflight)
        due = self._tracker.due(now, self.acks.timeout_s)[: max(room, 0)]
        if due:
            logger.info(
                "no cloud ack within %.0f s: publishing %d again", self.acks.timeout_s, len(due)
            )
        return self._publish(self.outbox.get(due))

    def _publish(self, items: list[OutboxItem]) -> int:
        acked: list[int] = []
        sent = 0
        for item in items:
            msg_id = self._ack_id(item)
            info = self.session.client.publish(item.topic, item.payload, item.qos, item.retain)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break  # disconnected meanwhile: the reconnect resets the cursor
            if msg_id is not None:
                self._tracker.sent(item.seq, msg_id)
            if item.qos == 0 and msg_id is None:
                acked.append(item.seq)
            elif item.qos > 0:
                self._inflight[info.mid] = (item.seq, msg_id is not None)
            sent += 1
        self._ack(acked)
        return sent

    def _ack_id(self, item: OutboxItem) -> str | None:
        """The id the cloud will acknowledge, or None when PUBACK alone deletes the row."""
        if not self.acks.cloud_acks:
            return None
        parts = device_topic(item.topic)
        if parts is None:
            return None
        key = (parts.site, parts.device)
        if key not in self._ack_subs:
            self._ack_subs.add(key)
            self.session.subscribe(ack_topic(*key), 1)
        return message_id(item.payload)

    def _ack(self, seqs: list[int]) -> None:
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            self.outbox.ack(chunk)
            self.delivered += len(chunk)
            if self._on_delivered is not None:
                self._on_delivered(len(chunk))
