"""`agrisafe cloud ingest`: one MQTT ingest worker process (scale out by running more)."""

import signal
import threading
from pathlib import Path
from types import FrameType

import typer

from agrisafe.logs import setup_logging


def ingest(
    index: int = typer.Option(
        0, min=0, help="worker number: the MQTT client id is {instance}-ingest-{index}"
    ),
    mqtt_url: str | None = typer.Option(None, help="broker URL [AGRISAFE_MQTT_URL]"),
    database_url: str | None = typer.Option(None, help="SQLAlchemy URL [AGRISAFE_DATABASE_URL]"),
    data_dir: Path | None = typer.Option(None, help="data directory [AGRISAFE_DATA_DIR]"),
    metrics_port: int | None = typer.Option(
        None, help="serve Prometheus metrics on this port (a worker started by serve needs none)"
    ),
) -> None:
    """Ingest MQTT messages into the store until SIGTERM or Ctrl-C (no HTTP API)."""
    from agrisafe.cli.errors import exit_on_startup_errors
    from cloud.settings import CloudSettings

    with exit_on_startup_errors():
        settings = CloudSettings.load(
            mqtt_url=mqtt_url, database_url=database_url, data_dir=data_dir
        )
        setup_logging(settings.log_level, json_lines=settings.log_json)
        from cloud.app import build_ingest_process

        process = build_ingest_process(settings, index)
        if metrics_port is not None:
            from prometheus_client import start_http_server

            start_http_server(metrics_port, registry=process.metrics.registry)
    stop = threading.Event()

    def _ask_stop(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _ask_stop)
    signal.signal(signal.SIGINT, _ask_stop)
    with exit_on_startup_errors():
        process.run(stop)
