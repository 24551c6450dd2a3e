"""Composition root of an ingest-only process (`agrisafe cloud ingest`): store, rules, one worker.

Run N of these on one or many machines against one broker (shared subscription) and one
PostgreSQL; they are stateless apart from their MQTT session, which lives in the broker.
"""

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from agrisafe.mqtt.url import parse_mqtt_url
from agrisafe.settings import EMBEDDED, SettingsError
from cloud.alerts.mqtt_sink import MqttAlertSink
from cloud.app import build_ingest_service, ingest_worker
from cloud.ingest.mqtt_worker import MqttIngestWorker
from cloud.metrics import IngestMetrics
from cloud.registry import RegistryService
from cloud.settings import CloudSettings
from cloud.store.db import default_database_url, make_engine, migrate
from cloud.timeseries.factory import TimeSeriesParts, build_timeseries

logger = logging.getLogger(__name__)


@dataclass
class IngestProcess:
    """One ingest worker with what it needs; `run` blocks until `stop_event` is set."""

    engine: Engine
    worker: MqttIngestWorker
    alert_sink: MqttAlertSink
    metrics: IngestMetrics
    timeseries: TimeSeriesParts

    def start(self) -> None:
        """Start alert delivery, the pump (if this process runs one) and the worker."""
        self.alert_sink.start()
        if self.timeseries.pump is not None:
            self.timeseries.pump.start()
        self.worker.start()

    def stop(self) -> None:
        """Finish the batch in hand, acknowledge it, disconnect; then the rest."""
        self.worker.stop()
        if self.timeseries.pump is not None:
            self.timeseries.pump.stop()
        self.alert_sink.stop()
        self.engine.dispose()

    def run(self, stop_event: threading.Event, report_s: float = 30.0) -> None:
        """Start, log a summary every `report_s`, stop when asked."""
        self.start()
        try:
            last = 0
            while not stop_event.wait(report_s):
                stats = self.worker.service.stats
                fields = {
                    "worker": self.worker.session.client_id,
                    "received": stats.received,
                    "received_since": stats.received - last,
                    "stored": stats.stored,
                    "duplicates": stats.duplicates,
                    "quarantined": sum(stats.quarantined.values()),
                    "backlog": self.worker.backlog(),
                    "connected": self.worker.session.connected.is_set(),
                }
                logger.info(
                    "ingest: %d received (+%d), %d stored, %d duplicates, backlog %d",
                    stats.received,
                    fields["received_since"],
                    stats.stored,
                    stats.duplicates,
                    fields["backlog"],
                    extra={"fields": fields},
                )
                last = stats.received
        finally:
            self.stop()


def build_ingest_process(settings: CloudSettings, index: int) -> IngestProcess:
    """Build worker `index` of this instance (client id `{instance}-ingest-{index}`)."""
    if settings.mqtt_url == EMBEDDED:
        raise SettingsError(
            "AGRISAFE_MQTT_URL: an ingest process needs a broker URL (mqtt://host:port); "
            "'embedded' only exists inside `agrisafe cloud serve`"
        )
    data_dir = settings.ensure_data_dir()
    engine = make_engine(settings.database_url or default_database_url(data_dir))
    migrate(engine)  # a no-op when `serve` (or another worker) already did it
    registry = RegistryService(engine, auto_register=settings.auto_register)
    addr = parse_mqtt_url(settings.mqtt_url)
    shared = True if settings.shared_subscription is None else settings.shared_subscription
    name = f"{settings.instance}-ingest-{index}"
    sink = MqttAlertSink(data_dir / f"{name}-alerts-outbox.db", addr, f"{name}-alerts")
    metrics = IngestMetrics()
    timeseries = build_timeseries(settings, engine, metrics)
    service = build_ingest_service(settings, engine, registry, [sink], metrics, timeseries)
    worker = ingest_worker(settings, service, addr, name, shared, metrics)
    return IngestProcess(engine, worker, sink, metrics, timeseries)
