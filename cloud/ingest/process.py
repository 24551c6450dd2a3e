"""An ingest-only process (`agrisafe cloud ingest`): store, rules, one worker; built by
`cloud.app.build_ingest_process`.

Run N of these on one or many machines against one broker (shared subscription) and one
PostgreSQL; they are stateless apart from their MQTT session, which lives in the broker.
"""

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from cloud.alerts.mqtt_sink import MqttAlertSink
from cloud.ingest.mqtt_worker import MqttIngestWorker
from cloud.metrics import IngestMetrics
from cloud.timeseries.factory import TimeSeriesParts

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
