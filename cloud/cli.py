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
from agrisafe.cli.helptext import command_group, setting_help
from agrisafe.cli.plugins import require_modules
from agrisafe.logs import setup_logging
from cloud.settings import CloudSettings, instance_name

# The cloud extra; missing, `agrisafe cloud …` says what to install instead of failing later.
require_modules("fastapi", "uvicorn", "sqlalchemy", "alembic")

app = command_group("The cloud: ingest, store, rules, alerts and the HTTP API.")
scenario = command_group("Scenario replay: re-check recorded messages under a simulated clock.")


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
    port: int | None = typer.Option(None, help=setting_help(CloudSettings, "http_port")),
    host: str | None = typer.Option(None, help=setting_help(CloudSettings, "http_host")),
    mqtt_url: str | None = typer.Option(None, help=setting_help(CloudSettings, "mqtt_url")),
    database_url: str | None = typer.Option(
        None,
        help=setting_help(
            CloudSettings, "database_url", "SQLAlchemy URL; unset: SQLite in the data dir"
        ),
    ),
    data_dir: Path | None = typer.Option(None, help=setting_help(CloudSettings, "data_dir")),
    registry: Path | None = typer.Option(None, help=setting_help(CloudSettings, "registry_file")),
    workers: int | None = typer.Option(None, help=setting_help(CloudSettings, "ingest_workers")),
    ingest_processes: int | None = typer.Option(
        None, help=setting_help(CloudSettings, "ingest_processes")
    ),
    auto_register: bool | None = typer.Option(
        None,
        "--auto-register/--no-auto-register",
        help=setting_help(CloudSettings, "auto_register"),
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
            prepare_metrics_dir(settings.ensure_data_dir() / f"{instance_name(settings)}-metrics")
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
    mqtt_url: str | None = typer.Option(None, help=setting_help(CloudSettings, "mqtt_url")),
    database_url: str | None = typer.Option(
        None,
        help=setting_help(
            CloudSettings, "database_url", "SQLAlchemy URL; unset: SQLite in the data dir"
        ),
    ),
    data_dir: Path | None = typer.Option(None, help=setting_help(CloudSettings, "data_dir")),
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
