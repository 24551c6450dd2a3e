"""An IngestService on a migrated database with the demo registry, and an alert sink that
keeps what it is handed (the real MQTT sink is tested with the broker)."""

from collections.abc import Sequence
from typing import Any

from agrisafe.protocol import Alert
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService, StoredRecordSink
from cloud.registry import RegistryService, load_registry_file
from cloud.store.db import make_engine, migrate
from testkit.messages import encode, topic_of
from testkit.paths import DEMO_SITE_FILE


class ListSink:
    """Collects delivered alerts."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alerts: Sequence[Alert]) -> None:
        self.alerts.extend(alerts)


def demo_ingest(
    url: str, *, auto_register: bool = False, record_sinks: Sequence[StoredRecordSink] = ()
) -> tuple[IngestService, ListSink]:
    """The service on URL (migrated, the demo site registered) and the sink of its alerts."""
    engine = make_engine(url)
    migrate(engine)
    registry = RegistryService(engine, auto_register=auto_register)
    registry.sync_file(load_registry_file(DEMO_SITE_FILE))
    sink = ListSink()
    return IngestService(engine, registry, RuleEngine(), [sink], record_sinks=record_sinks), sink


def mqtt_arrival(env: dict[str, Any]) -> Incoming:
    """ENV as it arrives over MQTT now (a realistic arrival: no clock_skew)."""
    return Incoming(encode(env), topic_of(env), Source.MQTT, Clock().now_ms())
