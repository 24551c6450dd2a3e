"""`agrisafe devices provision`: broker logins, ACL, TLS and device keys from the registry.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

from pathlib import Path

import typer

from agrisafe.cli.errors import exit_on_startup_errors, fail
from agrisafe.cli.helptext import command_group

app = command_group("Device identity: broker credentials, ACL, TLS certificates and signing keys.")


@app.command("provision")
def provision_cmd(
    registry: Path = typer.Option(..., help="registry YAML (sites and their devices)"),
    out: Path = typer.Option(..., help="output directory (re-running keeps keys and passwords)"),
    host: list[str] = typer.Option(
        ["localhost", "127.0.0.1"], help="broker host names / addresses for its certificate"
    ),
    device_port: int = typer.Option(8883, help="TLS listener for sites and devices"),
    cloud_port: int = typer.Option(8884, help="TLS listener for the cloud only"),
    cloud_bind: str = typer.Option("127.0.0.1", help="address the cloud listener binds"),
    gateways: bool = typer.Option(True, "--gateways/--no-gateways", help="a login per site"),
) -> None:
    """Write broker files and per-identity credentials; then `kill -HUP` the broker."""
    from cloud.provision.broker_conf import BrokerPorts
    from cloud.provision.provision import ProvisionError, provision
    from cloud.registry import RegistryFileError, load_registry_file

    with exit_on_startup_errors():
        try:
            reg = load_registry_file(registry)
            ports = BrokerPorts(
                device=device_port, cloud=cloud_port, cloud_bind=cloud_bind, hosts=host
            )
            result = provision(reg, out, ports, gateways=gateways)
        except (RegistryFileError, ProvisionError) as err:
            raise fail(str(err), 2) from err
    typer.echo(f"{len(result.identities)} identities written under {out}")
    typer.echo(f"broker: mosquitto -c {out / 'broker' / 'mosquitto.conf'}")
    typer.echo(f"cloud registry with device keys: {out / 'registry.yaml'}")
