"""Turning start-up failures into one clear line and an exit code, not a traceback."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer


@contextmanager
def exit_on_startup_errors() -> Iterator[None]:
    """Configuration errors exit 2; unreachable services exit 1."""
    from sqlalchemy.exc import OperationalError

    from agrisafe.mqtt.broker import BrokerStartError
    from agrisafe.mqtt.client import BrokerUnavailable
    from agrisafe.settings import SettingsError

    try:
        yield
    except SettingsError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    except ValueError as err:  # registry file, URLs: messages name the file/key
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    except (BrokerStartError, BrokerUnavailable) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err
    except OperationalError as err:
        typer.echo(f"error: database unreachable: {err.orig}", err=True)
        raise typer.Exit(1) from err
