"""`agrisafe scenario run FILE`: replay a scenario and print every alert as one JSON line."""

import sys
from pathlib import Path

import typer

from agrisafe.logs import setup_logging

app = typer.Typer(
    help="Scenario replay: re-check recorded messages under a simulated clock.",
    no_args_is_help=True,
)


@app.command("run")
def run(
    file: Path = typer.Argument(..., help="scenario: JSON Lines, one envelope per line"),
    registry: Path | None = typer.Option(None, help="registry YAML (sites, plots, herds)"),
    grace_hours: float = typer.Option(24.0, help="unrecorded_spraying grace window (hours)"),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR (to stderr)"),
) -> None:
    """Replay FILE through broker → ingest → rules on a throw-away store; alerts on stdout."""
    from agrisafe.cli.errors import exit_on_startup_errors
    from cloud.replay.runner import ScenarioRunner
    from cloud.rules.config import RulesConfig

    setup_logging(log_level.upper())
    with exit_on_startup_errors():
        runner = ScenarioRunner(
            sys.stdout, registry_file=registry, config=RulesConfig(spraying_grace_h=grace_hours)
        )
        runner.run(file)
