"""bridge.yaml: the station, its GPS receiver and its instruments (pydantic, extra keys refused).

Errors name the file and the key path (``bridge.yaml: instruments.0.serial.baud: …``) so that a
technician can fix the file without reading code.
"""

from datetime import timedelta
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from agrisafe import config as shared
from agrisafe.protocol import Geo, GeoFix, TestMethod
from agrisafe.protocol.bodies import Ident
from firmware_bridge.envelopes import DEFAULT_SAMPLE_TEMPLATE
from firmware_bridge.errors import ConfigError
from firmware_bridge.maths import enzyme
from firmware_bridge.maths.gold import GoldKit
from firmware_bridge.protocols import INSTRUMENT_PROTOCOLS, Protocol
from firmware_bridge.protocols.dy3000_messages import Family
from firmware_bridge.protocols.line import LineFormat
from firmware_bridge.readings import Kit
from firmware_bridge.serial_link import PortSettings

M = TypeVar("M", bound=BaseModel)


class _Strict(shared.StrictModel):
    """Base of bridge.yaml's models (a NaN surveyed altitude, an infinite gold-strip threshold
    calling every card positive: refused like unknown keys)."""


class SerialConfig(_Strict):
    """A serial port."""

    port: str = Field(description="device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/…")
    baud: int = Field(default=9600, description="bits per second (DY-3000: 9600 or 115200)")
    bytesize: Literal[5, 6, 7, 8] = Field(default=8, description="data bits")
    parity: Literal["N", "E", "O", "M", "S"] = Field(default="N", description="parity")
    stopbits: Literal[1, 2] = Field(default=1, description="stop bits")
    timeout_s: float = Field(default=0.05, gt=0, le=5, description="read wait for the first byte")
    exclusive: bool = Field(default=True, description="lock the port against other programs")
    rtscts: bool = Field(default=False, description="RTS/CTS hardware flow control")

    @field_validator("baud")
    @classmethod
    def _baud(cls, value: int) -> int:
        if value not in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400):
            raise ValueError("expected a standard rate such as 9600 or 115200")
        return value

    def settings(self) -> PortSettings:
        """As link settings."""
        return PortSettings(
            port=self.port,
            baud=self.baud,
            bytesize=self.bytesize,
            parity=self.parity,
            stopbits=self.stopbits,
            timeout_s=self.timeout_s,
            exclusive=self.exclusive,
            rtscts=self.rtscts,
        )


class GoldConfig(_Strict):
    """Colloidal-gold strip thresholds."""

    mode: Literal["t", "t_c"] = Field(default="t_c", description="compare T alone or T/C")
    positive_at_or_below: float = Field(default=0.5, ge=0, description="value ≤ this: positive")
    negative_at_or_above: float = Field(default=0.8, ge=0, description="value ≥ this: negative")
    c_line_min: float = Field(default=0.05, ge=0, description="weaker C line counts as absent")

    @model_validator(mode="after")
    def _order(self) -> "GoldConfig":
        if not self.positive_at_or_below < self.negative_at_or_above:
            raise ValueError("positive_at_or_below must be below negative_at_or_above")
        return self


class KitConfig(_Strict):
    """The test kit in use: what it detects and where its thresholds are."""

    analyte: str = Field(
        default="有机磷和氨基甲酸酯类", min_length=1, description="what it detects"
    )
    positive_at_pct: float = Field(
        default=enzyme.DEFAULT_POSITIVE_AT_PCT,
        gt=0,
        le=100,
        description="inhibition ≥ this: positive",
    )
    suspicious_at_pct: float | None = Field(
        default=None, gt=0, le=100, description="inhibition ≥ this (below positive): suspicious"
    )
    gold: GoldConfig = Field(default_factory=GoldConfig, description="gold strip thresholds")


class InstrumentConfig(_Strict):
    """One rapid-test instrument on a serial port."""

    device: Ident = Field(description="device id in MQTT topics and the registry, e.g. rt-01")
    protocol: Protocol = Field(description="wire protocol: dy3000, ty16 or line")
    name: str = Field(default="", description="model and serial shown to people (DY-3000#12)")
    serial: SerialConfig = Field(description="its serial port")
    poll_interval_s: float = Field(default=2.0, ge=0.1, le=3600, description="polling period")
    response_timeout_s: float = Field(default=1.0, gt=0, le=30, description="answer wait")
    lookback_days: int = Field(default=1, ge=0, le=365, description="DY-3000: records this old")
    families: tuple[Family, ...] = Field(
        default=(Family.WET, Family.GOLD), description="DY-3000 record families to read"
    )
    method: TestMethod = Field(
        default=TestMethod.ENZYME_INHIBITION, description="line: method when a line names none"
    )
    kit: KitConfig = Field(default_factory=KitConfig, description="kit thresholds")
    line: LineFormat = Field(default_factory=LineFormat, description="line: the field map")
    sample_id: str = Field(
        default=DEFAULT_SAMPLE_TEMPLATE,
        description="sample id from {device}, {date}, {sample_no}, {channel}",
    )
    default_commodity: str = Field(
        default="未登记样品",
        min_length=1,
        description="commodity when neither record nor sample names one",
    )

    @field_validator("protocol", mode="before")
    @classmethod
    def _instrument_protocol(cls, value: object) -> object:
        # Checked before the enum so that the message lists only what `instruments:` accepts.
        if value not in INSTRUMENT_PROTOCOLS:
            names = ", ".join(INSTRUMENT_PROTOCOLS)
            raise ValueError(f"expected one of {names} (a GPS receiver goes under 'gps:')")
        return value


class StationConfig(_Strict):
    """Where the station is and which position tags its tests."""

    lat: float | None = Field(default=None, ge=-90, le=90, description="surveyed latitude")
    lon: float | None = Field(default=None, ge=-180, le=180, description="surveyed longitude")
    alt: float | None = Field(default=None, description="surveyed altitude (m)")
    geo_source: Literal["fixed", "gps"] = Field(
        default="gps", description="tests: live GPS fix (else the surveyed one) or always surveyed"
    )
    timezone: str = Field(default="Asia/Shanghai", description="time zone of instrument clocks")

    @model_validator(mode="after")
    def _both(self) -> "StationConfig":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        return self

    def fixed_geo(self) -> Geo | None:
        """The surveyed position as a `fixed` geo, if configured."""
        if self.lat is None or self.lon is None:
            return None
        return Geo(lat=self.lat, lon=self.lon, alt=self.alt, fix=GeoFix.FIXED)


class GpsConfig(_Strict):
    """The station's GPS receiver (NMEA 0183)."""

    serial: SerialConfig = Field(description="its serial port (usually 9600 8N1)")
    max_age_s: float = Field(default=5.0, gt=0, le=600, description="older fixes count as none")


class SamplesConfig(_Strict):
    """Sampling records."""

    spool_dir: Path | None = Field(
        default=None, description="request files (default data_dir/samples)"
    )
    allow_station_fix: bool = Field(
        default=False, description="without a live fix, tag samples with the surveyed position"
    )


class BridgeConfig(_Strict):
    """Everything one bridge runs: a station with instruments and optionally a GPS receiver."""

    site: Ident = Field(description="production base / station id")
    device: Ident = Field(default="bridge", description="the bridge's own id (presence)")
    mqtt_url: str | None = Field(default=None, description="broker URL (default AGRISAFE_MQTT_URL)")
    data_dir: Path | None = Field(default=None, description="outbox and state (AGRISAFE_DATA_DIR)")
    outbox_max_mb: int = Field(default=256, ge=1, le=65536, description="outbox size bound")
    id_key_file: Path | None = Field(
        default=None,
        description="secret that makes rapid-test message ids unguessable, made on first start "
        "(default data_dir/bridge-id.key); back it up with the data directory",
    )
    signing_keys: dict[Ident, Path] = Field(
        default_factory=dict,
        description="per device id: its Ed25519 key (PEM, `agrisafe devices provision`)",
    )
    station: StationConfig = Field(default_factory=StationConfig, description="station position")
    gps: GpsConfig | None = Field(default=None, description="GPS receiver, if any")
    samples: SamplesConfig = Field(default_factory=SamplesConfig, description="sampling")
    retest_matrices: tuple[str, ...] = Field(
        default=enzyme.FALSE_POSITIVE_MATRICES, description="commodities that need 复检 advice"
    )
    instruments: list[InstrumentConfig] = Field(default_factory=list, description="instruments")

    @model_validator(mode="after")
    def _unique(self) -> "BridgeConfig":
        devices = [i.device for i in self.instruments]
        ports = [i.serial.port for i in self.instruments] + (
            [self.gps.serial.port] if self.gps else []
        )
        if len(set(devices)) != len(devices):
            raise ValueError("two instruments share a device id")
        if len(set(ports)) != len(ports):
            raise ValueError("two devices share a serial port")
        return self


def kit_of(inst: InstrumentConfig, matrices: tuple[str, ...]) -> Kit:
    """The pure kit rules of an instrument."""
    g = inst.kit.gold
    return Kit(
        analyte=inst.kit.analyte,
        positive_at_pct=inst.kit.positive_at_pct,
        suspicious_at_pct=inst.kit.suspicious_at_pct,
        gold=GoldKit(g.mode, g.positive_at_or_below, g.negative_at_or_above, g.c_line_min),
        retest_matrices=matrices,
    )


def lookback(inst: InstrumentConfig) -> timedelta:
    """How far back a DY-3000 poll asks for records."""
    return timedelta(days=inst.lookback_days)


def load_config(path: Path) -> BridgeConfig:
    """Read and validate bridge.yaml; ConfigError names the file and the key."""
    return _load(path, BridgeConfig, "bridge configuration")


def load_line_format(path: Path) -> LineFormat:
    """Read a line instrument's field map (`decode --line-format`); errors name file and key."""
    return _load(path, LineFormat, "line format")


def _load(path: Path, model: type[M], what: str) -> M:
    try:
        return shared.load_yaml_model(path, model, what=what)
    except shared.ConfigError as err:
        raise ConfigError(str(err)) from err
