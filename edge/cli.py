"""`agrisafe edge …`: the edge video node (cameras → activities → outbox → MQTT).

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

import json
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from agrisafe.cli.helptext import command_group, setting_help
from agrisafe.cli.plugins import require_modules
from agrisafe.logs import setup_logging
from agrisafe.settings import AgrisafeSettings
from edge import evidence_cli

# The edge extra; missing, `agrisafe edge …` says what to install instead of failing later.
require_modules("cv2", "onnxruntime", "numpy")

if TYPE_CHECKING:
    from edge.app import EdgeApp
    from edge.config import SiteConfig

app = command_group("Edge video AI: cameras → farming activities → MQTT.")
app.add_typer(evidence_cli.app, name="evidence")


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


@dataclass(frozen=True)
class RunOptions:
    """What `agrisafe edge run` was asked to do."""

    config: Path | None
    source: str | None
    once: bool
    start_time: datetime | None
    model: Path | None
    mqtt_url: str | None
    data_dir: Path | None


@app.command("run")
def run(
    config: Path | None = typer.Option(None, "--config", "-c", help="site.yaml"),
    source: str | None = typer.Option(None, "--source", help="video file (or rtsp://, usb:0)"),
    once: bool = typer.Option(False, "--once", help="process the file(s) to their end, then exit"),
    start_time: str | None = typer.Option(None, help="RFC 3339 time of the file's first frame"),
    model: Path | None = typer.Option(
        None,
        help="detector .onnx/.pt (default: site.yaml model, else the shipped model; "
        "env: AGRISAFE_MODEL_PATH)",
    ),
    mqtt_url: str | None = typer.Option(
        None, help=setting_help(AgrisafeSettings, "mqtt_url", "broker URL; site.yaml mqtt_url wins")
    ),
    data_dir: Path | None = typer.Option(
        None, help=setting_help(AgrisafeSettings, "data_dir", "outbox and evidence")
    ),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Run the cameras of site.yaml, or one --source; --once prints activities as JSON lines."""
    from edge.errors import ConfigError, EdgeError, ModelError

    setup_logging(log_level.upper())
    opts = RunOptions(config, source, once, _start_time(start_time), model, mqtt_url, data_dir)
    try:
        code = _run(opts)
    except (ConfigError, ModelError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    except EdgeError as err:  # sources: corrupt file, unreachable camera
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err
    if code:
        raise typer.Exit(code)


@app.command("commission")
def commission(
    camera: str = typer.Option(..., "--camera", help="camera name in site.yaml"),
    config: Path | None = typer.Option(None, "--config", "-c", help="site.yaml"),
    source: str | None = typer.Option(
        None, "--source", help="record from this (a video file) instead of the camera's source"
    ),
    seconds: float = typer.Option(120.0, min=1.0, help="how long to record"),
    out: Path | None = typer.Option(
        None, help="proposal, snapshot and report (default: DATA_DIR/commissioning/CAMERA/)"
    ),
    confirm: bool = typer.Option(
        False, "--confirm", help="the plots in site.yaml are checked: write the record"
    ),
    model: Path | None = typer.Option(None, help="detector (default as for `edge run`)"),
    data_dir: Path | None = typer.Option(
        None, help=setting_help(AgrisafeSettings, "data_dir", "the record goes here")
    ),
) -> None:
    """Record a camera, report what the detector sees there (JSON), propose plot polygons."""
    from edge.errors import ConfigError, EdgeError, ModelError

    setup_logging("WARNING")
    try:
        _commission(camera, config, source, seconds, out, confirm, model, data_dir)
    except (ConfigError, ModelError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    except EdgeError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err


def _commission(
    camera: str,
    config: Path | None,
    source: str | None,
    seconds: float,
    out: Path | None,
    confirm: bool,
    model: Path | None,
    data_dir: Path | None,
) -> None:
    from pydantic import ValidationError

    from agrisafe.config import validation_lines
    from edge.commission import survey, write_outputs, write_record
    from edge.config import CameraConfig, EdgeSettings, default_model_path, load_site, model_params
    from edge.detect import load_detector
    from edge.detect.verifier import load_verifier
    from edge.errors import ConfigError
    from edge.frames import open_source

    cfg = load_site(config) if config is not None else None
    cams = {c.name: c for c in cfg.cameras} if cfg is not None else {}
    if cfg is not None and camera not in cams:
        raise ConfigError(f"{config}: no camera {camera!r} (cameras: {', '.join(cams)})")
    try:
        cam = cams.get(camera) or CameraConfig(name=camera, source=source or "", realtime=False)
    except ValidationError as err:  # --camera names files, as a site.yaml camera does
        raise ConfigError(f"--camera: {validation_lines(err)[0].removeprefix('name: ')}") from err
    if not (source or cam.source):
        raise ConfigError("give --config site.yaml (with the camera) or --source FILE")
    env = EdgeSettings.load(data_dir=data_dir or (cfg.data_dir if cfg else None))
    model_path = model or (cfg.model if cfg else None) or env.model_path or default_model_path()
    params = cfg.pipeline if cfg and "pipeline" in cfg.model_fields_set else None
    params = params or model_params(model_path)
    detector = load_detector(model_path, params.detector)
    url = source or cam.source
    frames = open_source(url, cam.detect_fps, realtime=cam.realtime and source is None)
    verifier = load_verifier(params.verifier, model_path, detector)
    report, snapshot = survey(
        frames.frames(),
        detector,
        params,
        camera=camera,
        source=url,
        seconds=seconds,
        verifier=verifier,
    )
    root = env.ensure_data_dir()
    files = write_outputs(out or root / "commissioning" / camera, report, snapshot)
    result: dict[str, object] = {"report": report.model_dump(mode="json")}
    result["files"] = {k: str(v) for k, v in files.items()}
    if confirm:
        plots = cam.polygons() if cam.plots else report.proposed_plots
        result["record"] = str(write_record(root, report, plots))
    else:
        typer.echo(
            f"check {files['proposal_image']}, put the plots in site.yaml, "
            "then run again with --confirm",
            err=True,
        )
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))


def _site(opts: RunOptions) -> "SiteConfig":
    """site.yaml, or one whole-frame camera on --source; --once: files only, not in real time."""
    from edge.config import SiteConfig, load_site
    from edge.config import whole_frame_camera as whole_frame
    from edge.errors import ConfigError

    if opts.source is not None and opts.config is None:
        cfg = SiteConfig(site="local", device="edge", cameras=[whole_frame(opts.source)])
    elif opts.config is not None and opts.source is None:
        cfg = load_site(opts.config)
    else:
        raise ConfigError("give exactly one of --config site.yaml or --source FILE")
    if not opts.once:
        return cfg
    live = [c.name for c in cfg.cameras if "://" in c.source or c.source.startswith("usb:")]
    if live:
        raise ConfigError(f"--once needs video files; live cameras: {', '.join(live)}")
    return cfg.model_copy(
        update={"cameras": [c.model_copy(update={"realtime": False}) for c in cfg.cameras]}
    )


def _run(opts: RunOptions) -> int:
    from agrisafe.mqtt.url import parse_mqtt_url
    from agrisafe.protocol import ActivityEnvelope
    from agrisafe.settings import EMBEDDED
    from edge.app import build_app
    from edge.calibration import load_calibration
    from edge.config import EdgeSettings, default_model_path, model_params
    from edge.detect import load_detector
    from edge.detect.verifier import load_verifier
    from edge.drift import load_profile
    from edge.errors import ConfigError

    cfg = _site(opts)
    env = EdgeSettings.load(
        mqtt_url=opts.mqtt_url or cfg.mqtt_url, data_dir=opts.data_dir or cfg.data_dir
    )
    model_path = opts.model or cfg.model or env.model_path or default_model_path()
    if "pipeline" not in cfg.model_fields_set:  # the model's own tuning, if it has one
        cfg = cfg.model_copy(update={"pipeline": model_params(model_path)})
    detector = load_detector(model_path, cfg.pipeline.detector)
    verifier = load_verifier(cfg.pipeline.verifier, model_path, detector)
    try:
        addr = None if env.mqtt_url == EMBEDDED else parse_mqtt_url(env.mqtt_url)
    except ValueError as err:
        raise ConfigError(f"mqtt_url: {err}") from err

    def emit(envelope: ActivityEnvelope) -> None:
        sys.stdout.write(envelope.to_json().decode() + "\n")
        sys.stdout.flush()

    node = build_app(
        cfg,
        detector,
        env.ensure_data_dir(),
        addr,
        on_envelope=emit,
        start_time=opts.start_time,
        verifier=verifier,
        profile=load_profile(model_path),
        calibration=load_calibration(model_path),
    )
    node.start()
    typer.echo(
        f"edge {cfg.site}/{cfg.device}: {len(cfg.cameras)} camera(s), model {model_path}", err=True
    )
    return _watch(node, opts.once)


def _watch(node: "EdgeApp", once: bool) -> int:
    """Wait for the files to end (--once) or for SIGTERM / Ctrl-C; stop; 1 if a camera failed."""

    def on_term(_sig: int, _frame: object) -> None:  # docker stop / systemd: stop cleanly
        node.stopping.set()
        for r in node.runners:
            r.source.stop()

    signal.signal(signal.SIGTERM, on_term)
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
    return 1 if failed else 0
