"""Prometheus metrics of the cloud (prometheus-client), safe with several ingest processes.

With `PROMETHEUS_MULTIPROC_DIR` set (the `serve` command sets it before anything imports
prometheus-client when it starts worker processes), every process writes its values to files in
that directory and `/metrics` aggregates them; gauges say how (last-seen: max over processes).
Counting is per batch, not per message, so the hot path pays one `inc` per label and batch.
"""

import os
import time
from collections.abc import Callable, Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from agrisafe.protocol import Alert
from agrisafe.timeutil import to_ms
from cloud.domain import Incoming, Outcome, StoredRecord, Verdict

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Arrival − event time: sub-second live traffic up to a week of store-and-forward backlog.
LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)


def multiprocess() -> bool:
    """True when values are shared through files between processes."""
    return bool(os.environ.get(MULTIPROC_ENV))


class IngestMetrics:
    """Ingest, alert and time-series counters; a `BatchObserver` and an `AlertSink`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = registry or CollectorRegistry(auto_describe=True)
        self.registry = r
        self.messages = Counter(
            "agrisafe_ingest_messages", "Messages received", ["source"], registry=r
        )
        self.stored = Counter("agrisafe_ingest_stored", "Records stored", ["kind"], registry=r)
        self.duplicates = Counter(
            "agrisafe_ingest_duplicates", "Repeated messages ignored", registry=r
        )
        self.quarantined = Counter(
            "agrisafe_ingest_quarantined", "Messages quarantined", ["reason"], registry=r
        )
        self.lag = Histogram(
            "agrisafe_ingest_lag_seconds",
            "Arrival minus event time of stored records",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.last_seen = Gauge(
            "agrisafe_device_last_seen_timestamp_seconds",
            "Arrival time of the newest record per device",
            ["site", "device"],
            multiprocess_mode="max",
            registry=r,
        )
        self.batch_seconds = Histogram(
            "agrisafe_ingest_batch_seconds",
            "Time to store one batch (one transaction)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.batch_failures = Counter(
            "agrisafe_ingest_batch_failures", "Batches that failed and were retried", registry=r
        )
        self.alerts = Counter("agrisafe_alerts_opened", "Alerts opened", ["rule"], registry=r)
        self.points_written = Counter(
            "agrisafe_timeseries_points_written", "Points the time-series store took", registry=r
        )
        self.write_errors = Counter(
            "agrisafe_timeseries_write_errors", "Failed time-series writes (retried)", registry=r
        )
        # sender="device" means a camera's evidence was refused: the site's devices' quota is
        # full and evidence is being lost at the edge (alert on any increase).
        self.evidence_quota_refusals = Counter(
            "agrisafe_evidence_quota_refusals",
            "Evidence uploads refused for a site's quota (507)",
            ["site", "sender"],
            registry=r,
        )

    # -- BatchObserver ----------------------------------------------------------------------
    def observe(
        self,
        batch: Sequence[Incoming],
        outcomes: Sequence[Outcome],
        stored: Sequence[StoredRecord],
    ) -> None:
        """Count one committed batch."""
        sources: dict[str, int] = {}
        for item in batch:
            sources[item.source.value] = sources.get(item.source.value, 0) + 1
        for source, n in sources.items():
            self.messages.labels(source).inc(n)
        dups = 0
        reasons: dict[str, int] = {}
        for o in outcomes:
            if o.verdict is Verdict.DUPLICATE:
                dups += 1
            elif o.rejection is not None:
                reasons[o.rejection.reason.value] = reasons.get(o.rejection.reason.value, 0) + 1
        if dups:
            self.duplicates.inc(dups)
        for reason, n in reasons.items():
            self.quarantined.labels(reason).inc(n)
        self._stored(stored)

    def _stored(self, stored: Sequence[StoredRecord]) -> None:
        kinds: dict[str, int] = {}
        seen: dict[tuple[str, str], int] = {}
        observe = self.lag.observe
        for rec in stored:
            env = rec.envelope
            kinds[env.kind.value] = kinds.get(env.kind.value, 0) + 1
            observe(max(rec.received_ms - to_ms(env.ts), 0) / 1000)
            key = (env.site, env.device)
            if rec.received_ms > seen.get(key, 0):
                seen[key] = rec.received_ms
        for kind, n in kinds.items():
            self.stored.labels(kind).inc(n)
        for (site, device), ms in seen.items():
            self.last_seen.labels(site, device).set(ms / 1000)

    # -- AlertSink --------------------------------------------------------------------------
    def deliver(self, alerts: Sequence[Alert]) -> None:
        """Count opened alerts by rule."""
        for alert in alerts:
            self.alerts.labels(alert.rule.value).inc()

    # -- worker and pump hooks ------------------------------------------------------------
    def batch_done(self, seconds: float) -> None:
        """One batch committed in `seconds`."""
        self.batch_seconds.observe(seconds)

    def batch_failed(self) -> None:
        """One batch attempt failed."""
        self.batch_failures.inc()


class StateCollector(Collector):
    """Gauges read at scrape time from this process: outbox depth, worker backlog."""

    def __init__(
        self,
        outbox_depth: Callable[[], tuple[int, int]] | None,
        backlog: Callable[[], int] | None,
    ) -> None:
        self._depth = outbox_depth
        self._backlog = backlog

    def collect(self) -> Iterable[Metric]:
        """Current values (a failing probe is left out rather than failing the scrape)."""
        if self._depth is not None:
            try:
                waiting, parked = self._depth()
            except Exception:
                waiting = parked = -1
            g = GaugeMetricFamily(
                "agrisafe_timeseries_outbox_depth", "Points waiting for the store", labels=["state"]
            )
            g.add_metric(["waiting"], waiting)
            g.add_metric(["parked"], parked)
            yield g
        if self._backlog is not None:
            yield GaugeMetricFamily(
                "agrisafe_ingest_backlog",
                "Messages received by this process's workers, not yet stored",
                value=self._backlog(),
            )
        yield GaugeMetricFamily(
            "agrisafe_metrics_scrape_timestamp_seconds", "Scrape time", value=time.time()
        )


def exposition(metrics: IngestMetrics, state: Collector) -> bytes:
    """The `/metrics` body: this process's (or all processes') values plus live state."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(metrics.registry))
    registry.register(state)
    return bytes(generate_latest(registry))


class _Forward(Collector):
    """Exposes another registry's metrics inside a scrape registry."""

    def __init__(self, inner: CollectorRegistry) -> None:
        self.inner = inner

    def collect(self) -> Iterable[Metric]:
        """Everything the inner registry has."""
        return self.inner.collect()
