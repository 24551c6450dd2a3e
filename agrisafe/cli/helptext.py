"""Help text that shows every default and variable name, from the settings models themselves.

Options that fall back to an environment variable default to None on the command line (so the
settings model, not typer, decides), which hides the real default from `--help`. `setting_help`
reads the default and the variable name from the pydantic-settings field, so the help cannot drift
from what the command actually does. `command_group` builds every sub-command group the same way:
plain help (rich markup would eat `[...]`), no shell-completion options.
"""

from typing import Any

import typer
from pydantic_settings import BaseSettings


def command_group(help_text: str, **kwargs: Any) -> typer.Typer:
    """A typer group whose help is plain text: `[AGRISAFE_…]` and defaults survive as written."""
    kwargs.setdefault("no_args_is_help", True)
    kwargs.setdefault("add_completion", False)
    kwargs.setdefault("pretty_exceptions_enable", False)
    return typer.Typer(help=help_text, rich_markup_mode=None, **kwargs)


def env_name(settings: type[BaseSettings], field: str) -> str:
    """The environment variable that sets `field` (prefix + upper-case name)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def setting_help(settings: type[BaseSettings], field: str, text: str | None = None) -> str:
    """'<text> (default: X; env: AGRISAFE_FIELD)' for an option that overrides a setting."""
    info = settings.model_fields[field]
    what = text or info.description or field.replace("_", " ")
    default = info.get_default(call_default_factory=True)
    shown = "none" if default is None else str(default)
    return f"{what} (default: {shown}; env: {env_name(settings, field)})"
