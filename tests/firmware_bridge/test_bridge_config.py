"""bridge.yaml: defaults, strictness, and errors that name the file and the key."""

from pathlib import Path

import pytest

from agrisafe.protocol import GeoFix
from firmware_bridge.config import BridgeConfig, kit_of, load_config, load_line_format
from firmware_bridge.errors import ConfigError

GOOD = """
site: SX-TG-001
device: bridge-01
mqtt_url: mqtt://127.0.0.1:1883
station: {lat: 37.43, lon: 112.56, alt: 780, geo_source: gps}
gps: {serial: {port: /dev/ttyUSB1}}
instruments:
  - device: rt-01
    protocol: dy3000
    name: DY-3000#12
    serial: {port: /dev/ttyUSB0, baud: 115200}
    kit: {positive_at_pct: 45}
  - device: rt-02
    protocol: line
    serial: {port: /dev/ttyUSB2}
    line: {prefix: RES, fields: [sample, inhibition_pct], checksum: none}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bridge.yaml"
    path.write_text(text, "utf-8")
    return path


def test_a_full_config_loads_with_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    dy, line = cfg.instruments
    assert dy.serial.baud == 115200
    assert dy.serial.parity == "N"
    assert dy.serial.exclusive
    assert kit_of(dy, cfg.retest_matrices).positive_at_pct == 45
    assert line.line.prefix == "RES"
    assert line.line.checksum == "none"
    fixed = cfg.station.fixed_geo()
    assert fixed is not None
    assert fixed.fix is GeoFix.FIXED
    assert "韭菜" in cfg.retest_matrices


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GOOD.replace("baud: 115200", "baud: 1234"), "instruments.0.serial.baud"),
        (GOOD.replace("protocol: dy3000", "protocol: modbus"), "instruments.0.protocol"),
        (GOOD.replace("name: DY-3000#12", "nmae: DY-3000#12"), "instruments.0.nmae"),
        (
            GOOD.replace("positive_at_pct: 45", "positive_at_pct: 150"),
            "instruments.0.kit.positive_at_pct",
        ),
        (GOOD.replace("lon: 112.56, ", ""), "station"),
        (
            GOOD.replace("fields: [sample, inhibition_pct]", "fields: [sample, weight]"),
            "instruments.1.line.fields",
        ),
        (GOOD.replace("/dev/ttyUSB2", "/dev/ttyUSB0"), "(top level)"),
        # `.nan` has no bound to fail; it would go out as the station's altitude
        (GOOD.replace("alt: 780", "alt: .nan"), "station.alt"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert message.startswith(str(tmp_path / "bridge.yaml") + ": invalid bridge configuration")
    assert f"\n  {key}: " in message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "site: [unclosed"))
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(write(tmp_path, "- just a list"))


def test_every_field_has_a_description() -> None:
    def walk(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            if not field.description:
                missing.append(f"{model.__name__}.{name}")
            ann = field.annotation
            for candidate in (*getattr(ann, "__args__", ()), ann):
                if isinstance(candidate, type) and hasattr(candidate, "model_fields"):
                    missing += walk(candidate)
        return missing

    assert walk(BridgeConfig) == []


def test_line_format_file_loads_and_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "fmt.yaml"
    path.write_text("prefix: $LT\nfields: [sample, inhibition_pct]\nchecksum: none\n", "utf-8")
    fmt = load_line_format(path)
    assert (fmt.prefix, fmt.fields, fmt.checksum) == ("$LT", ("sample", "inhibition_pct"), "none")
    path.write_text("fields: [sample, weight]\n", "utf-8")
    with pytest.raises(ConfigError, match=r"fmt\.yaml: invalid line format:\n  fields: "):
        load_line_format(path)


def test_an_instrument_protocol_outside_the_list_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected one of dy3000, ty16, line"):
        load_config(write(tmp_path, GOOD.replace("protocol: dy3000", "protocol: nmea")))
