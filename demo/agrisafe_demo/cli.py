"""`agrisafe demo`: the whole system on embedded defaults, printing live alerts.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

from pathlib import Path

import typer

from agrisafe.cli.plugins import require_modules
from agrisafe.logs import setup_logging

# The demo extra (cloud + bridge + embedded broker; the edge camera is optional at run time).
require_modules("amqtt", "httpx_sse", "fastapi", "sqlalchemy", "serial", "pynmea2")


def demo(
    duration: float | None = typer.Option(None, help="stop after S seconds (default: Ctrl-C)"),
    data_dir: Path | None = typer.Option(None, help="keep data here (default: a temp dir)"),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Embedded broker + cloud on SQLite + simulated devices; alerts printed as JSON lines."""
    from agrisafe_demo.runner import run_demo
    from cloud.cli import cloud_startup_errors

    setup_logging(log_level.upper())
    with cloud_startup_errors():
        code = run_demo(duration, data_dir)
    raise typer.Exit(code)
