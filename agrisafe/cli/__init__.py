"""The `agrisafe` command line. Each component adds its sub-commands here when it lands.

Sub-command modules import their component lazily, inside the command, so `agrisafe --help`
stays fast and a missing optional extra only affects the commands that need it.
"""

import typer

from agrisafe.cli import bridge, broker, cloud, demo, edge, models, scenario, schema

app = typer.Typer(
    name="agrisafe",
    help="Sunshine Agri-Safety (阳光农安): edge AI, instruments, cloud rules and alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(schema.app, name="schema")
app.add_typer(cloud.app, name="cloud")
app.add_typer(bridge.app, name="bridge")
app.add_typer(edge.app, name="edge")
app.command("broker")(broker.broker)
app.command("demo")(demo.demo)
app.add_typer(scenario.app, name="scenario")
app.add_typer(models.app, name="models")


def main() -> None:
    """Console-script entry point."""
    app()
