"""Turning start-up failures into one clear line and an exit code, not a traceback.

Only errors of the shared contract are translated here; each component wraps this with the
translation of its own errors (e.g. the cloud's unreachable database), so that no command
imports another component's dependencies.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer


def fail(message: str, code: int) -> typer.Exit:
    """Print `error: message` on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def exit_on_startup_errors() -> Iterator[None]:
    """Configuration errors exit 2; unreachable services exit 1."""
    from agrisafe.mqtt.broker import BrokerStartError
    from agrisafe.mqtt.client import BrokerUnavailable
    from agrisafe.settings import SettingsError

    try:
        yield
    except SettingsError as err:
        raise fail(str(err), 2) from err
    except ValueError as err:  # registry file, URLs: messages name the file/key
        raise fail(str(err), 2) from err
    except (BrokerStartError, BrokerUnavailable) as err:
        raise fail(str(err), 1) from err


def require_paths(*paths: Path | None) -> None:
    """Exit 2 with `error: PATH does not exist` for the first given path that is missing."""
    for path in paths:
        if path is not None and not path.exists():
            raise fail(f"{path} does not exist", 2)
