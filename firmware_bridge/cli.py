"""`agrisafe bridge …`: serial rapid-test instruments and GPS → MQTT, decoding, simulators.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

import json
import signal
import sys
import threading
from pathlib import Path

import typer

from agrisafe.cli.errors import exit_on_startup_errors
from agrisafe.cli.helptext import command_group, setting_help
from agrisafe.cli.plugins import require_modules
from agrisafe.logs import setup_logging
from agrisafe.settings import AgrisafeSettings

# The bridge extra; missing, `agrisafe bridge …` says what to install instead of failing later.
require_modules("serial", "pynmea2")

app = command_group("Firmware bridge: rapid-test instruments and GPS on serial ports → MQTT.")


@app.command("run")
def run(
    config: Path = typer.Option(..., "--config", "-c", help="bridge.yaml"),
    mqtt_url: str | None = typer.Option(
        None,
        help=setting_help(AgrisafeSettings, "mqtt_url", "broker URL; bridge.yaml mqtt_url wins"),
    ),
    data_dir: Path | None = typer.Option(
        None, help=setting_help(AgrisafeSettings, "data_dir", "outbox and state")
    ),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Read the instruments and the GPS, publish through the outbox until Ctrl-C or SIGTERM."""
    from agrisafe.mqtt.url import parse_mqtt_url
    from agrisafe.settings import EMBEDDED, AgrisafeSettings
    from firmware_bridge.app import build_app
    from firmware_bridge.config import load_config

    setup_logging(log_level.upper())
    with exit_on_startup_errors():
        cfg = load_config(config)
        env = AgrisafeSettings.load(
            mqtt_url=mqtt_url or cfg.mqtt_url, data_dir=data_dir or cfg.data_dir
        )
        if env.mqtt_url == EMBEDDED:
            raise ValueError(
                f"{config}: mqtt_url: the bridge needs a broker URL (mqtt://host:1883)"
            )
        bridge = build_app(cfg, parse_mqtt_url(env.mqtt_url), env.ensure_data_dir())
    stop = _stop_on_signals()
    bridge.start()
    typer.echo(f"bridge {cfg.site}/{cfg.device}: {len(cfg.instruments)} instrument(s)", err=True)
    try:
        _wait(stop)
    finally:
        typer.echo("stopping …", err=True)
        bridge.stop()
    typer.echo("bridge stopped", err=True)


def _stop_on_signals() -> threading.Event:
    """An event SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C) set, so the command stops
    cleanly. Ctrl-C sets it too rather than raising KeyboardInterrupt, which lands at whatever
    line runs then (inside a threading primitive or a cleanup); CI once saw `bridge simulate`
    still alive 10 s after SIGINT, which the event makes deterministic."""
    stop = threading.Event()

    def on_signal(_sig: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _wait(stop: threading.Event) -> None:
    """Until SIGTERM or SIGINT (`stop`)."""
    while not stop.wait(1.0):
        pass


@app.command("decode")
def decode(
    file: Path = typer.Argument(..., help="captured byte stream ('-' for stdin)"),
    protocol: str = typer.Option(..., "--protocol", "-p", help="dy3000, ty16, line or nmea"),
    line_format: Path | None = typer.Option(None, help="YAML field map for --protocol line"),
) -> None:
    """Print one JSON object per frame on stdout; rejected spans (position, reason) on stderr."""
    from firmware_bridge.config import load_line_format
    from firmware_bridge.decode import PROTOCOLS, decode_stream
    from firmware_bridge.errors import ConfigError

    if protocol not in PROTOCOLS:
        typer.echo(f"error: --protocol must be one of {', '.join(PROTOCOLS)}", err=True)
        raise typer.Exit(2)
    fmt = None
    if line_format is not None:
        try:
            fmt = load_line_format(line_format)
        except ConfigError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from err
    try:
        stream = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    except OSError as err:
        typer.echo(f"error: {file}: {err.strerror}", err=True)
        raise typer.Exit(2) from err
    good = bad = 0
    with stream:
        for ok, obj in decode_stream(stream, protocol, fmt):
            line = json.dumps(obj, ensure_ascii=False)
            if ok:
                good += 1
                sys.stdout.write(line + "\n")
            else:
                bad += 1
                sys.stderr.write(f"rejected: {line}\n")
    sys.stdout.flush()
    typer.echo(f"{good} decoded, {bad} rejected", err=True)


@app.command("simulate")
def simulate(
    instrument: str = typer.Option(..., "--instrument", "-i", help="dy3000, ty16, line or gps"),
    link: Path | None = typer.Option(None, help="also make this symlink point at the pty"),
    interval: float = typer.Option(5.0, help="seconds between simulated tests"),
) -> None:
    """Run a simulated instrument on a pseudo-terminal and print its path, until Ctrl-C/SIGTERM."""
    from firmware_bridge.simulators.feeder import INSTRUMENTS, Feeder, make_simulator

    if instrument not in INSTRUMENTS:
        typer.echo(f"error: --instrument must be one of {', '.join(INSTRUMENTS)}", err=True)
        raise typer.Exit(2)
    stop = _stop_on_signals()
    sim = make_simulator(instrument, link)
    path = sim.start()
    feeder = Feeder(sim, interval)
    feeder.start()
    typer.echo(path)
    sys.stdout.flush()
    try:
        _wait(stop)
    finally:
        feeder.stop()
        sim.stop()


@app.command("sample")
def sample(
    config: Path = typer.Option(..., "--config", "-c", help="bridge.yaml (for the spool dir)"),
    sample_id: str = typer.Option(..., "--sample", help="sample id, e.g. S-20260501-0007"),
    commodity: str = typer.Option(..., help="commodity, e.g. 黄瓜"),
    inspector: str = typer.Option(..., help="who took the sample"),
    photo: Path | None = typer.Option(None, help="photo file (its SHA-256 is recorded)"),
    lot: str | None = typer.Option(None, help="lot id"),
    plot: str | None = typer.Option(None, help="plot id"),
    data_dir: Path | None = typer.Option(None, help="data dir of the running bridge"),
) -> None:
    """Record a sampling act; the running bridge tags it with the GPS fix and publishes it."""
    from pydantic import ValidationError

    from agrisafe.settings import AgrisafeSettings
    from firmware_bridge.config import load_config
    from firmware_bridge.errors import ConfigError
    from firmware_bridge.sampling import SampleRequest, photo_digest, write_request

    try:
        cfg = load_config(config)
        digest = photo_digest(photo) if photo is not None else None
        req = SampleRequest(
            sample=sample_id,
            commodity=commodity,
            inspector=inspector,
            lot=lot,
            plot=plot,
            photo_sha256=digest,
        )
    except (ConfigError, ValidationError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    root = AgrisafeSettings.load(data_dir=data_dir or cfg.data_dir).data_dir
    path = write_request(cfg.samples.spool_dir or root / "samples", req)
    typer.echo(str(path))
