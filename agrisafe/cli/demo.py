"""`agrisafe demo`: the whole system on embedded defaults, printing live alerts."""

from pathlib import Path

import typer

from agrisafe.logs import setup_logging


def demo(
    duration: float | None = typer.Option(None, help="stop after S seconds (default: Ctrl-C)"),
    data_dir: Path | None = typer.Option(None, help="keep data here (default: a temp dir)"),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
) -> None:
    """Embedded broker + cloud on SQLite + simulated devices; alerts printed as JSON lines."""
    from agrisafe.cli.errors import exit_on_startup_errors
    from agrisafe.demo.runner import run_demo

    setup_logging(log_level.upper())
    with exit_on_startup_errors():
        code = run_demo(duration, data_dir)
    raise typer.Exit(code)
