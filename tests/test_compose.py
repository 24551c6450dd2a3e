"""docker-compose.yml cannot start here (no Docker engine): check it parses and that the
commands of the project's own services exist in the CLI, with files it mounts present."""

import yaml
from typer.testing import CliRunner

from agrisafe.cli import build_app
from testkit.paths import REPO


def _compose() -> dict[str, object]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_services_present() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert {"mosquitto", "postgres", "influxdb", "cloud"} <= set(services)


def test_own_service_commands_exist_in_the_cli() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    runner = CliRunner()
    own = {name: s for name, s in services.items() if "build" in s}
    assert own, "the cloud is built from this repo"
    for name, svc in own.items():
        argv = svc["command"]
        assert argv[0] == "agrisafe", name
        # Every option the compose file passes must be accepted: ask for help with them.
        result = runner.invoke(build_app(), [*argv[1:], "--help"])
        assert result.exit_code == 0, (name, result.output)
        for opt in (a for a in argv[1:] if a.startswith("--")):
            assert opt in result.output, (name, opt)


def test_mounted_files_exist() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    for svc in services.values():
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("./"):
                assert (REPO / src).exists(), src
    assert (REPO / "Dockerfile").exists()
