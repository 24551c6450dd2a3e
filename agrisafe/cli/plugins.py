"""Component commands plugged into `agrisafe` through the `agrisafe.commands` entry points.

`agrisafe` itself imports no component: each one declares its command in pyproject.toml
(`name = "module:object [extra]"`). A Typer app becomes a sub-group, a plain function a command.
A component whose extra is not installed gets a stand-in that says what to install.
"""

import importlib.util
import logging
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points

import typer

logger = logging.getLogger(__name__)
GROUP = "agrisafe.commands"


def require_modules(*modules: str) -> None:
    """Raise ModuleNotFoundError for the first module not installed (without importing any).

    A component's CLI module calls this at import so that a missing extra shows when the
    command is plugged in, not as a traceback half-way through a command.
    """
    for name in modules:
        if importlib.util.find_spec(name) is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def needs_extra_line(command: str, extra: str, missing: str) -> str:
    """The one line a stand-in prints."""
    return (
        f"error: 'agrisafe {command}' needs the {extra} extra: "
        f"pip install 'agrisafe[{extra}]' (missing module: {missing})"
    )


def _stand_in(command: str, extra: str, missing: str) -> Callable[[typer.Context], None]:
    line = needs_extra_line(command, extra, missing)

    def needs_extra(ctx: typer.Context) -> None:
        typer.echo(line, err=True)
        raise typer.Exit(2)

    needs_extra.__doc__ = f"(not installed: pip install 'agrisafe[{extra}]')"
    return needs_extra


def _plug(app: typer.Typer, ep: EntryPoint) -> None:
    try:
        obj = ep.load()
    except ImportError as err:
        extra = ep.extras[0] if ep.extras else ep.name
        missing = err.name or str(err)
        logger.debug("agrisafe %s unavailable: %s", ep.name, err)
        # Any arguments and options are accepted so that the install hint is what shows.
        app.command(
            ep.name,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            add_help_option=False,
        )(_stand_in(ep.name, extra, missing))
        return
    if isinstance(obj, typer.Typer):
        app.add_typer(obj, name=ep.name)
    elif callable(obj):
        app.command(ep.name)(obj)
    else:
        raise TypeError(f"entry point {ep.value!r} ({GROUP}) is neither a Typer app nor a function")


def add_component_commands(app: typer.Typer) -> None:
    """Plug every installed component's command into `app`, sorted by name."""
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        _plug(app, ep)
