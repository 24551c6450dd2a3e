"""Publishes new alerts to `agrisafe/cloud/v1/alerts/{region}/{rule}` through a durable outbox
(and, through the same outbox, the downlink's commands: `send`)."""

from collections.abc import Sequence
from pathlib import Path

from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import OutboxPump, Publication, SqliteOutbox
from agrisafe.protocol import Alert
from agrisafe.protocol.topics import alert_topic


class MqttAlertSink:
    """`AlertSink` adapter: alerts survive a broker outage in a local SQLite outbox."""

    def __init__(self, outbox_path: Path, addr: BrokerAddress, client_id: str) -> None:
        self.outbox = SqliteOutbox(outbox_path)
        self.pump = OutboxPump(self.outbox, addr, client_id=client_id, window=200)

    def start(self) -> None:
        """Start delivering."""
        self.pump.start()

    def stop(self) -> None:
        """Deliver what is pending (briefly) and stop."""
        self.pump.stop(drain_timeout_s=2.0)
        self.outbox.close()

    def deliver(self, alerts: Sequence[Alert]) -> None:
        """Queue the alerts durably and wake the pump."""
        self.outbox.put_many(
            [
                Publication(alert_topic(a.region or "000000", a.rule), a.to_json(), qos=1)
                for a in alerts
            ]
        )
        self.pump.wake()

    def send(self, topic: str, payload: bytes) -> None:
        """Queue one other cloud publication (a device command) durably and wake the pump."""
        self.outbox.put(topic, payload, qos=1)
        self.pump.wake()
