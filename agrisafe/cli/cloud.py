"""`agrisafe cloud …`: run the cloud service (API + MQTT ingest + rules + alerts)."""

from pathlib import Path

import typer

from agrisafe.cli.cloud_ingest import ingest
from agrisafe.logs import setup_logging

app = typer.Typer(
    help="The cloud: ingest, store, rules, alerts and the HTTP API.", no_args_is_help=True
)
app.command("ingest")(ingest)


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
    """Serve the API and ingest MQTT until Ctrl-C."""
    import uvicorn

    from agrisafe.cli.errors import exit_on_startup_errors
    from cloud.settings import CloudSettings

    with exit_on_startup_errors():
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
        from cloud.server import CloudServer

        runtime = build_runtime(settings)
    if settings.admin_token is None:
        typer.echo(
            f"admin token (generated, set AGRISAFE_ADMIN_TOKEN to fix it): {runtime.admin_token}",
            err=True,
        )
    typer.echo(
        f"API on http://{settings.http_host}:{settings.http_port}  "
        f"MQTT {runtime.broker_addr.url()}",
        err=True,
    )
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    CloudServer(config, runtime.hub).run()
