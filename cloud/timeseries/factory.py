"""Chooses the time-series adapters from settings (the composition root calls this)."""

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from cloud.metrics import IngestMetrics
from cloud.settings import CloudSettings
from cloud.timeseries.outbox import TimeSeriesStage
from cloud.timeseries.port import TimeSeriesReader, TimeSeriesWriter
from cloud.timeseries.pump import TimeSeriesPump

logger = logging.getLogger(__name__)


@dataclass
class TimeSeriesParts:
    """What the runtime needs: the in-transaction stage, the pump, the reader."""

    stage: TimeSeriesStage | None
    pump: TimeSeriesPump | None
    reader: TimeSeriesReader | None
    backend: str


def make_writer(settings: CloudSettings, engine: Engine) -> TimeSeriesWriter:
    """The writer named by `timeseries`."""
    if settings.timeseries == "influxdb":
        from cloud.timeseries.influx import InfluxWriter

        assert settings.influx_url is not None  # checked by the settings
        token = settings.influx_token.get_secret_value() if settings.influx_token else ""
        return InfluxWriter(settings.influx_url, token, settings.influx_org, settings.influx_bucket)
    from cloud.timeseries.sql import SqlTimeSeries

    return SqlTimeSeries(engine)


def make_reader(settings: CloudSettings, engine: Engine) -> TimeSeriesReader:
    """The reader that matches the configured store."""
    if settings.timeseries == "influxdb":
        url = settings.influx_query_url or settings.influx_url
        assert url is not None
        if settings.influx_query == "flux":
            from cloud.timeseries.readers import FluxReader

            token = settings.influx_token.get_secret_value() if settings.influx_token else ""
            return FluxReader(url, token, settings.influx_org, settings.influx_bucket)
        from cloud.timeseries.readers import PrometheusReader

        return PrometheusReader(url)
    from cloud.timeseries.sql import SqlTimeSeries

    return SqlTimeSeries(engine)


def build_timeseries(
    settings: CloudSettings, engine: Engine, metrics: IngestMetrics | None
) -> TimeSeriesParts:
    """Stage + pump + reader for `settings.timeseries` (nothing when it is off).

    The SQL store takes points in the ingest transaction itself; the outbox and its pump stand
    in front of an external server only.
    """
    if settings.timeseries == "off":
        return TimeSeriesParts(None, None, None, "off")
    if settings.timeseries == "sql":
        from cloud.timeseries.sql import SqlTimeSeries

        store = SqlTimeSeries(engine)
        return TimeSeriesParts(TimeSeriesStage(direct=store), None, store, "sql")
    pump = None
    if settings.timeseries_pump:
        pump = TimeSeriesPump(
            engine,
            make_writer(settings, engine),
            batch=settings.timeseries_batch,
            on_written=metrics.points_written.inc if metrics else None,
            on_error=metrics.write_errors.inc if metrics else None,
        )
    return TimeSeriesParts(
        TimeSeriesStage(), pump, make_reader(settings, engine), settings.timeseries
    )
