"""`agrisafe gateway …`: the site gateway (site broker → boundary → outbox → cloud broker).

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

import json
import signal
import threading
from pathlib import Path

import typer

from agrisafe.cli.errors import exit_on_startup_errors
from agrisafe.cli.helptext import command_group, setting_help
from agrisafe.logs import setup_logging
from agrisafe.settings import AgrisafeSettings

app = command_group("Site gateway: the site's devices → boundary checks → outbox → the cloud.")


@app.command("run")
def run(
    config: Path = typer.Option(..., "--config", "-c", help="gateway.yaml"),
    data_dir: Path | None = typer.Option(
        None, help=setting_help(AgrisafeSettings, "data_dir", "outbox and quarantine")
    ),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Relay until Ctrl-C or SIGTERM; everything not yet acknowledged by the cloud stays on disk."""
    from agrisafe.mqtt.url import parse_mqtt_url
    from agrisafe.settings import credentials_url
    from gateway.app import build_app
    from gateway.config import load_gateway_config

    setup_logging(log_level.upper())
    with exit_on_startup_errors():
        cfg = load_gateway_config(config)
        if cfg.cloud_credentials is not None:
            cloud_url = credentials_url(cfg.cloud_credentials)
        elif cfg.cloud_mqtt_url is not None:
            cloud_url = cfg.cloud_mqtt_url
        else:
            raise ValueError(f"{config}: give cloud_mqtt_url or cloud_credentials")
        env = AgrisafeSettings.load(data_dir=data_dir or cfg.data_dir)
        gw = build_app(
            cfg,
            parse_mqtt_url(cfg.local_mqtt_url),
            parse_mqtt_url(cloud_url),
            env.ensure_data_dir(),
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    gw.start()
    typer.echo(f"gateway {cfg.site}/{cfg.gateway} relaying", err=True)
    try:
        code = gw.serve(stop)
    except KeyboardInterrupt:
        code = 0  # serve() stopped the gateway on its way out
    if code:
        # A worker died: exit non-zero so systemd/docker restart the gateway (docs/gateway.md).
        typer.echo("gateway stopped: a worker died (see the log)", err=True)
        raise typer.Exit(code)
    typer.echo("gateway stopped", err=True)


@app.command("quarantine")
def quarantine(
    config: Path = typer.Option(..., "--config", "-c", help="gateway.yaml"),
    data_dir: Path | None = typer.Option(None, help="as given to `gateway run`"),
    limit: int = typer.Option(20, min=1, help="newest rows to show"),
) -> None:
    """What the boundary kept back, newest first, one JSON object per line."""
    from gateway.config import load_gateway_config
    from gateway.quarantine import LocalQuarantine

    with exit_on_startup_errors():
        cfg = load_gateway_config(config)
        env = AgrisafeSettings.load(data_dir=data_dir or cfg.data_dir)
    store = LocalQuarantine(env.data_dir / "gateway-quarantine.db")
    for row in store.recent(limit):
        doc = {
            "rx_ms": row.rx_ms,
            "topic": row.topic,
            "device": row.device,
            "id": row.msg_id,
            "reason": row.reason,
            "detail": row.detail,
            "raw_bytes": row.raw_bytes,
            "raw": row.raw[:200].decode("utf-8", "replace"),
        }
        typer.echo(json.dumps(doc, ensure_ascii=False))
    store.close()
