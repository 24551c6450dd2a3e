"""`agrisafe cloud serve|ingest` and `agrisafe scenario run`: the cloud's commands.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import typer

from agrisafe.cli.errors import exit_on_startup_errors, fail
from agrisafe.cli.plugins import require_modules
from agrisafe.logs import setup_logging

# The cloud extra; missing, `agrisafe cloud …` says what to install instead of failing later.
require_modules("fastapi", "uvicorn", "sqlalchemy", "alembic")

app = typer.Typer(
    help="The cloud: ingest, store, rules, alerts and the HTTP API.", no_args_is_help=True
)
scenario = typer.Typer(
    help="Scenario replay: re-check recorded messages under a simulated clock.",
    no_args_is_help=True,
)


@contextmanager
def cloud_startup_errors() -> Iterator[None]:
    """The shared start-up errors, plus the cloud's own: an unreachable database exits 1."""
    from sqlalchemy.exc import OperationalError

    with exit_on_startup_errors():
        try:
            yield
        except OperationalError as err:
            raise fail(f"database unreachable: {err.orig}", 1) from err


@app.command("serve")
def serve(
    port: int | None = typer.Option(None, help="HTTP port [env AGRISAFE_HTTP_PORT, 8000]"),
    host: str | None = typer.Option(None, help="HTTP bind address [env AGRISAFE_HTTP_HOST]"),
    mqtt_url: str | None = typer.Option(None, help="broker URL or 'embedded' [AGRISAFE_MQTT_URL]"),
    database_url: str | None = typer.Option(None, help="SQLAlchemy URL [AGRISAFE_DATABASE_URL]"),
    data_dir: Path | None = typer.Option(None, help="data directory [AGRISAFE_DATA_DIR]"),
    registry: Path | None = typer.Option(None, help="registry YAML [AGRISAFE_REGISTRY_FILE]"),
    workers: int | None = typer.Option(None, help="MQTT ingest workers [AGRISAFE_INGEST_WORKERS]"),
    ingest_processes: int | None = typer.Option(
        None, help="ingest worker processes to run and restart [AGRISAFE_INGEST_PROCESSES]"
    ),
    auto_register: bool | None = typer.Option(
        None, "--auto-register/--no-auto-register", help="accept unknown devices"
    ),
) -> None:
    """Serve the API and ingest MQTT until Ctrl-C or SIGTERM."""
    from cloud.settings import CloudSettings

    with cloud_startup_errors():
        settings = CloudSettings.load(
            http_port=port,
            http_host=host,
            mqtt_url=mqtt_url,
            database_url=database_url,
            data_dir=data_dir,
            registry_file=registry,
            ingest_workers=workers,
            ingest_processes=ingest_processes,
            auto_register=auto_register,
        )
        setup_logging(settings.log_level, json_lines=settings.log_json)
        if settings.ingest_processes > 0:
            from cloud.ingest.supervisor import prepare_metrics_dir

            # Before anything imports prometheus-client: it picks its storage at import.
            prepare_metrics_dir(settings.ensure_data_dir() / f"{settings.instance}-metrics")
        from cloud.api import create_app
        from cloud.app import build_runtime
        from cloud.server import CloudServer, server_config

        runtime = build_runtime(settings)
    if settings.admin_token is None:
        typer.echo(
            "bootstrap admin token (generated, set AGRISAFE_ADMIN_TOKEN to fix it; it only mints "
            f"tokens: POST /api/v1/tokens with role admin): {runtime.admin_token}",
            err=True,
        )
    typer.echo(
        f"API on http://{settings.http_host}:{settings.http_port}  "
        f"MQTT {runtime.broker_addr.url()}",
        err=True,
    )
    config = server_config(
        create_app(runtime), settings.http_host, settings.http_port, graceful_s=5
    )
    CloudServer(config, runtime.hub).run()


@app.command("ingest")
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
    from cloud.settings import CloudSettings

    with cloud_startup_errors():
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
    with cloud_startup_errors():
        process.run(stop)


@scenario.command("run")
def run_scenario(
    file: Path = typer.Argument(..., help="scenario: JSON Lines, one envelope per line"),
    registry: Path | None = typer.Option(None, help="registry YAML (sites, plots, herds)"),
    grace_hours: float = typer.Option(24.0, help="unrecorded_spraying grace window (hours)"),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR (to stderr)"),
) -> None:
    """Replay FILE through broker → ingest → rules on a throw-away store; alerts on stdout."""
    from cloud.replay.runner import ScenarioRunner
    from cloud.rules.config import RulesConfig

    setup_logging(log_level.upper())
    with cloud_startup_errors():
        runner = ScenarioRunner(
            sys.stdout, registry_file=registry, config=RulesConfig(spraying_grace_h=grace_hours)
        )
        runner.run(file)
