"""`agrisafe edge …`: the edge video node (cameras → activities → outbox → MQTT)."""

import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import typer

from agrisafe.logs import setup_logging

app = typer.Typer(help="Edge video AI: cameras → farming activities → MQTT.", no_args_is_help=True)


def _start_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r} is not RFC 3339 (2026-05-01T08:30:00+08:00)") from err
    if ts.tzinfo is None:
        raise typer.BadParameter(f"{value!r} needs a UTC offset (e.g. +08:00)")
    return ts


@app.command("run")
def run(
    config: Path | None = typer.Option(None, "--config", "-c", help="site.yaml"),
    source: str | None = typer.Option(None, "--source", help="video file (or rtsp://, usb:0)"),
    once: bool = typer.Option(False, "--once", help="process the file(s) to their end, then exit"),
    start_time: str | None = typer.Option(None, help="RFC 3339 time of the file's first frame"),
    model: Path | None = typer.Option(None, help="detector .onnx/.pt [shipped default]"),
    mqtt_url: str | None = typer.Option(None, help="broker URL [site.yaml, AGRISAFE_MQTT_URL]"),
    data_dir: Path | None = typer.Option(None, help="outbox and evidence [AGRISAFE_DATA_DIR]"),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Run the cameras of site.yaml, or one --source; --once prints activities as JSON lines."""
    from edge.errors import ConfigError, EdgeError, ModelError

    setup_logging(log_level.upper())
    t0 = _start_time(start_time)
    try:
        code = _run(config, source, once, t0, model, mqtt_url, data_dir)
    except (ConfigError, ModelError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    except EdgeError as err:  # sources: corrupt file, unreachable camera
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err
    if code:
        raise typer.Exit(code)


def _run(
    config: Path | None,
    source: str | None,
    once: bool,
    start_time: datetime | None,
    model: Path | None,
    mqtt_url: str | None,
    data_dir: Path | None,
) -> int:
    from agrisafe.mqtt.url import parse_mqtt_url
    from agrisafe.protocol import ActivityEnvelope
    from agrisafe.settings import EMBEDDED
    from edge.app import build_app
    from edge.config import EdgeSettings, SiteConfig, default_model_path, load_site, model_params
    from edge.config import whole_frame_camera as whole_frame
    from edge.detect import load_detector
    from edge.errors import ConfigError, SourceError

    if (config is None) == (source is None):
        raise ConfigError("give exactly one of --config site.yaml or --source FILE")
    if source is not None:
        cfg = SiteConfig(site="local", device="edge", cameras=[whole_frame(source)])
    else:
        assert config is not None
        cfg = load_site(config)
    env = EdgeSettings.load(mqtt_url=mqtt_url or cfg.mqtt_url, data_dir=data_dir or cfg.data_dir)
    model_path = model or cfg.model or env.model_path or default_model_path()
    if "pipeline" not in cfg.model_fields_set:  # the model's own tuning, if it has one
        cfg = cfg.model_copy(update={"pipeline": model_params(model_path)})
    detector = load_detector(model_path, cfg.pipeline.detector)
    try:
        addr = None if env.mqtt_url == EMBEDDED else parse_mqtt_url(env.mqtt_url)
    except ValueError as err:
        raise ConfigError(f"mqtt_url: {err}") from err
    if once:
        live = [c.name for c in cfg.cameras if "://" in c.source or c.source.startswith("usb:")]
        if live:
            raise ConfigError(f"--once needs video files; live cameras: {', '.join(live)}")
        cfg = cfg.model_copy(
            update={"cameras": [c.model_copy(update={"realtime": False}) for c in cfg.cameras]}
        )

    def emit(envelope: ActivityEnvelope) -> None:
        sys.stdout.write(envelope.to_json().decode() + "\n")
        sys.stdout.flush()

    node = build_app(
        cfg, detector, env.ensure_data_dir(), addr, on_envelope=emit, start_time=start_time
    )
    node.start()

    def on_term(_sig: int, _frame: object) -> None:  # docker stop / systemd: stop cleanly
        node.stopping.set()
        for r in node.runners:
            r.source.stop()

    signal.signal(signal.SIGTERM, on_term)
    typer.echo(
        f"edge {cfg.site}/{cfg.device}: {len(cfg.cameras)} camera(s), model {model_path}", err=True
    )
    try:
        if once:
            node.wait_cameras()
        else:
            while not node.stopping.is_set():
                time.sleep(1.0)
    except KeyboardInterrupt:
        typer.echo("stopping …", err=True)
    finally:
        node.stop(drain_timeout_s=10.0 if once else 3.0)
    failed = [r for r in node.runners if r.error is not None]
    for r in failed:
        typer.echo(f"error: camera {r.config.name}: {r.error}", err=True)
    if any(isinstance(r.error, SourceError) for r in failed):
        return 1
    return 1 if failed else 0
