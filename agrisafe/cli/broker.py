"""`agrisafe broker`: run the embedded MQTT broker (amqtt, MQTT 3.1.1) in the foreground."""

import threading

import typer

from agrisafe.cli.helptext import setting_help
from agrisafe.cli.plugins import needs_extra_line, require_modules
from agrisafe.logs import setup_logging
from agrisafe.settings import AgrisafeSettings, SettingsError


def broker(
    host: str | None = typer.Option(None, help=setting_help(AgrisafeSettings, "broker_host")),
    port: int | None = typer.Option(None, help=setting_help(AgrisafeSettings, "broker_port")),
) -> None:
    """Run the embedded MQTT broker until Ctrl-C (needs the broker extra)."""
    try:
        require_modules("amqtt")
    except ModuleNotFoundError as err:
        typer.echo(needs_extra_line("broker", "broker", err.name or "amqtt"), err=True)
        raise typer.Exit(2) from err
    from agrisafe.mqtt.broker import BrokerStartError, EmbeddedBroker

    try:
        settings = AgrisafeSettings.load(broker_host=host, broker_port=port)
    except SettingsError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from err
    setup_logging(settings.log_level, json_lines=settings.log_json)
    embedded = EmbeddedBroker(settings.broker_host, settings.broker_port)
    try:
        embedded.start()
    except BrokerStartError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err
    typer.echo(f"MQTT broker listening on mqtt://{embedded.host}:{embedded.port}", err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        embedded.stop()
