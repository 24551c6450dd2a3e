"""The `agrisafe` command line: the root command, `schema` and `broker`.

The components' commands (`cloud`, `edge`, `bridge`, `scenario`, `models`, `demo`) live in the
components and are plugged in through entry points (see `agrisafe.cli.plugins`), so this
package imports none of them. Commands import their heavy dependencies inside the command,
so `agrisafe --help` stays fast.
"""

import typer

from agrisafe.cli import broker, schema
from agrisafe.cli.plugins import add_component_commands


def build_app() -> typer.Typer:
    """The root command with every installed component's commands."""
    root = typer.Typer(
        name="agrisafe",
        help="Sunshine Agri-Safety (阳光农安): edge AI, instruments, cloud rules and alerts.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # rich markup would eat `[...]` in help texts
    )
    root.add_typer(schema.app, name="schema")
    root.command("broker")(broker.broker)
    add_component_commands(root)
    return root


def main() -> None:
    """Console-script entry point."""
    build_app()()
