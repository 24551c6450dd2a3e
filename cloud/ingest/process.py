"""An ingest-only process (`agrisafe cloud ingest`): store, rules, one worker; built by
`cloud.app.build_ingest_process`.

Run N of these on one or many machines against one broker (shared subscription) and one
PostgreSQL; they are stateless apart from their MQTT session, which lives in the broker.
"""

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
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
    # Where this process reports its counters for the parent's /health (None: nowhere).
    status_path: Path | None = None

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

    def status(self) -> dict[str, Any]:
        """Counters and connection state, as the parent's /health shows them."""
        stats = self.worker.service.stats
        return {
            "client_id": self.worker.session.client_id,
            "connected": self.worker.session.connected.is_set(),
            "backlog": self.worker.backlog(),
            "received": stats.received,
            "stored": stats.stored,
            "duplicates": stats.duplicates,
            "quarantined": sum(stats.quarantined.values()),
            "alerts": stats.alerts,
            "stale_subscription": self.worker.stale_subscription,
            "reported_ms": int(time.time() * 1000),
        }

    def report(self) -> None:
        """Write `status()` to `status_path` (by rename; a failure only logs)."""
        if self.status_path is None:
            return
        # Rewritten every second and worthless after a crash: a rename, no fsync.
        tmp = self.status_path.with_suffix(".tmp")
        try:
            self.status_path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(orjson.dumps(self.status()))
            tmp.replace(self.status_path)
        except OSError as err:
            logger.warning("cannot write ingest status %s: %s", self.status_path, err)

    def run(
        self, stop_event: threading.Event, report_s: float = 30.0, status_s: float = 1.0
    ) -> None:
        """Start, write the status every `status_s`, log a summary every `report_s`."""
        self.start()
        try:
            last = 0
            next_log = time.monotonic() + report_s
            while not stop_event.wait(status_s):
                self.report()
                if time.monotonic() < next_log:
                    continue
                next_log += report_s
                fields = self.status()
                fields["received_since"] = fields["received"] - last
                logger.info(
                    "ingest: %d received (+%d), %d stored, %d duplicates, backlog %d",
                    fields["received"],
                    fields["received_since"],
                    fields["stored"],
                    fields["duplicates"],
                    fields["backlog"],
                    extra={"fields": fields},
                )
                last = fields["received"]
        finally:
            self.report()
            self.stop()
