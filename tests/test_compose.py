"""docker-compose.yml cannot start here (no Docker engine): check it parses and that the
commands of the project's own services exist in the CLI, with files it mounts present."""

from pathlib import Path

import yaml
from typer.testing import CliRunner

from agrisafe.cli import build_app
from agrisafe.mqtt import parse_mqtt_url
from agrisafe.settings import credentials_url
from testkit.paths import REPO


def _compose() -> dict[str, object]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_services_present() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert {"provision", "mosquitto", "postgres", "influxdb", "cloud"} <= set(services)


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


def test_secure_shape_no_plain_listener_no_literal_secrets() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    broker = services["mosquitto"]
    assert broker["ports"] == ["8883:8883"]  # TLS only; no 1883
    assert broker["command"][-1] == "/etc/agrisafe/trust/broker/mosquitto.conf"
    cloud_env = services["cloud"]["environment"]
    assert "AGRISAFE_MQTT_URL" not in cloud_env
    assert cloud_env["AGRISAFE_MQTT_CREDENTIALS"].startswith("/etc/agrisafe/trust/identities/")
    for name, svc in services.items():
        env = svc.get("environment", {})
        for key, value in env.items():
            if any(w in key for w in ("PASSWORD", "TOKEN", "SECRET")):
                assert str(value).startswith("${"), (name, key)
                assert ":?" in str(value), (name, key)


def test_provision_as_compose_runs_it_gives_the_cloud_its_tls_login(tmp_path: Path) -> None:
    """The compose `provision` command, run for real with its paths moved under tmp_path."""
    services = _compose()["services"]
    assert isinstance(services, dict)
    argv = list(services["provision"]["command"])
    out = tmp_path / "trust"
    argv[argv.index("--registry") + 1] = str(REPO / "demo" / "agrisafe_demo" / "site.yaml")
    argv[argv.index("--out") + 1] = str(out)
    result = CliRunner().invoke(build_app(), argv[1:])
    assert result.exit_code == 0, result.output
    conf = (out / "broker" / "mosquitto.conf").read_text("utf-8")
    assert "allow_anonymous false" in conf
    assert "listener 8884 0.0.0.0" in conf
    assert "listener 8883 0.0.0.0" in conf
    creds = tmp_path / "trust" / "identities" / "cloud" / "credentials.json"
    url = credentials_url(creds)
    addr = parse_mqtt_url(url)
    assert (addr.host, addr.port, addr.tls, addr.username) == ("mosquitto", 8884, True, "cloud")
    assert (out / "registry.yaml").exists()
    # The site gateway's config names the login provision writes for its site.
    from gateway.config import load_gateway_config

    gw = load_gateway_config(REPO / "deploy" / "gateway.yaml")
    assert gw.cloud_credentials is not None
    rel = gw.cloud_credentials.relative_to("/etc/agrisafe/trust")
    gw_addr = parse_mqtt_url(credentials_url(out / rel))
    assert (gw_addr.host, gw_addr.port, gw_addr.username) == ("mosquitto", 8883, f"gw/{gw.site}")
