"""`AGRISAFE_MQTT_CREDENTIALS`: a provisioned identity's file gives the broker URL."""

import json
from pathlib import Path

import pytest

from agrisafe.mqtt import parse_mqtt_url
from agrisafe.settings import AgrisafeSettings, SettingsError


def test_credentials_file_replaces_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials.json"
    url = "mqtts://dev%2FS1%2Frt-01:s3cret@broker:8883?ca=/trust/broker/ca.crt"
    creds.write_text(json.dumps({"username": "dev/S1/rt-01", "password": "s3cret", "url": url}))
    monkeypatch.setenv("AGRISAFE_MQTT_URL", "mqtt://ignored:1883")
    monkeypatch.setenv("AGRISAFE_MQTT_CREDENTIALS", str(creds))
    settings = AgrisafeSettings.load()
    addr = parse_mqtt_url(settings.mqtt_url)
    assert (addr.host, addr.port, addr.tls) == ("broker", 8883, True)
    assert (addr.username, addr.password, addr.ca_file) == (
        "dev/S1/rt-01",
        "s3cret",
        "/trust/broker/ca.crt",
    )


@pytest.mark.parametrize("content", [None, "{not json", '{"url": 5}', '{"url": "http://x"}'])
def test_unusable_credentials_name_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    creds = tmp_path / "credentials.json"
    if content is not None:
        creds.write_text(content)
    monkeypatch.setenv("AGRISAFE_MQTT_CREDENTIALS", str(creds))
    with pytest.raises(SettingsError, match="AGRISAFE_MQTT_CREDENTIALS"):
        AgrisafeSettings.load()


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_an_infinite_or_nan_interval_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from cloud.settings import CloudSettings

    # `inf` passed timer_tick_s's gt=0: the rule timers would never have fired
    monkeypatch.setenv("AGRISAFE_TIMER_TICK_S", value)
    with pytest.raises(SettingsError, match="AGRISAFE_TIMER_TICK_S"):
        CloudSettings.load()
    monkeypatch.setenv("AGRISAFE_TIMER_TICK_S", "0.5")
    assert CloudSettings.load().timer_tick_s == 0.5
