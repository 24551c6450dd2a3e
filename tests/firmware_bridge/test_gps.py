"""GPS state: fixes combine, no-fix, manual and stale fixes clear, GPS time, station policy."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agrisafe.protocol import EnvelopeBase, Geo, GeoFix
from firmware_bridge.gps import GpsTracker, station_geo
from firmware_bridge.protocols.base import Decoded
from firmware_bridge.protocols.nmea import NmeaDecoder, NmeaFix
from firmware_bridge.recorder import Recorder
from firmware_bridge.state import BridgeState


class FakeClock:
    """A hand-moved monotonic clock (time itself cannot be paused in a test)."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class ListPublisher:
    """Collects envelopes."""

    def __init__(self) -> None:
        self.envs: list[EnvelopeBase] = []

    def publish(self, env: EnvelopeBase) -> None:
        self.envs.append(env)


RMC = NmeaFix(
    "RMC",
    "GP",
    "gps",
    37.43,
    112.56,
    time_of_day=datetime(2026, 5, 1, 8, 30, tzinfo=UTC).timetz(),
    day=datetime(2026, 5, 1).date(),
)
GGA = NmeaFix("GGA", "GP", "rtk", 37.4301, 112.5601, alt=780.0, hdop=0.7, sats=14)
NOFIX = NmeaFix("GGA", "GP", "none")


def test_fix_combines_gga_quality_and_rmc_time() -> None:
    clock = FakeClock()
    gps = GpsTracker(max_age_s=5, clock=clock)
    gps.update(RMC)
    gps.update(GGA)
    pos = gps.position()
    assert pos is not None
    assert (pos.lat, pos.quality, pos.hdop, pos.sats) == (
        37.4301,
        "rtk",
        0.7,
        14,
    )
    clock.t += 2.5
    assert gps.utc_now() == datetime(2026, 5, 1, 8, 30, 2, 500000, tzinfo=UTC)
    geo = pos.geo()
    assert geo.fix is GeoFix.GPS
    assert geo.quality == "rtk"
    assert geo.alt == 780.0


def test_rmc_after_gga_keeps_the_quality_and_gsa_updates_hdop() -> None:
    gps = GpsTracker(clock=FakeClock())
    gps.update(GGA)
    gps.update(RMC)
    gps.update(NmeaFix("GSA", "GP", "gps", hdop=1.4))
    pos = gps.position()
    assert pos is not None
    assert pos.quality == "rtk"
    assert pos.hdop == 1.4
    assert pos.lat == 37.43


def test_losing_the_fix_clears_the_position_at_once() -> None:
    gps = GpsTracker(clock=FakeClock())
    gps.update(GGA)
    gps.update(NOFIX)
    assert gps.position() is None
    gps.update(GGA)
    gps.update(NmeaFix("GSA", "GP", "none"))
    assert gps.position() is None


def test_a_stale_fix_is_no_fix() -> None:
    clock = FakeClock()
    gps = GpsTracker(max_age_s=5, clock=clock)
    gps.update(GGA)
    gps.update(RMC)
    clock.t += 5.1
    assert gps.position() is None
    assert gps.utc_now() is None


def test_station_geo_policy() -> None:
    fixed = Geo(lat=1.0, lon=2.0, fix=GeoFix.FIXED)
    gps = GpsTracker(clock=FakeClock())
    assert station_geo("gps", fixed, gps) == fixed  # no live fix yet: the surveyed position
    assert station_geo("gps", None, gps).fix is GeoFix.NONE
    gps.update(GGA)
    assert station_geo("gps", fixed, gps).lat == 37.4301
    assert station_geo("fixed", fixed, gps) == fixed
    assert station_geo("gps", None, None).lat is None


def test_times_are_utc() -> None:
    assert RMC.when is not None
    assert RMC.when.utcoffset() == timedelta(0)


def sentence(body: str) -> bytes:
    """One NMEA sentence with its checksum, as a receiver sends it."""
    check = 0
    for char in body:
        check ^= ord(char)
    return f"${body}*{check:02X}\r\n".encode()


def fed(gps: GpsTracker, *bodies: str) -> None:
    events = NmeaDecoder().feed(b"".join(sentence(b) for b in bodies))
    assert all(isinstance(e, Decoded) for e in events)
    for ev in events:
        assert isinstance(ev, Decoded)
        gps.update(ev.value)


def test_a_receiver_without_a_fix_sets_no_time(tmp_path: Path) -> None:
    gps = GpsTracker(clock=FakeClock())
    # Just powered on: status V and the receiver's default date, 06-01-1980 (the GPS epoch).
    fed(gps, "GPRMC,000012.00,V,,,,,,,060180,,,N", "GPGGA,000012.00,,,,,0,00,99.99,,,,,,")
    assert gps.utc_now() is None
    assert gps.position() is None
    rec = Recorder(
        BridgeState(tmp_path / "s.db"),
        ListPublisher(),
        site="SX-TG-001",
        device="bridge-01",
        station_geo=lambda: Geo(fix=GeoFix.NONE),
        gps=gps,
    )
    assert abs(rec.now() - datetime.now(UTC)) < timedelta(minutes=1)  # the system clock
    fed(gps, "GPRMC,083000.00,A,3725.800,N,11233.600,E,0.0,0.0,010526,,,A")
    assert gps.utc_now() == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)  # a real fix: GPS time


@pytest.mark.parametrize(
    "body",
    [
        "GPGGA,083000.00,3725.800,N,11233.600,E,7,00,,780.0,M,,M,,",  # manual input
        "GPGGA,083000.00,3725.800,N,11233.600,E,8,08,0.9,780.0,M,,M,,",  # simulator
        "GPRMC,083000.00,A,3725.800,N,11233.600,E,0.0,0.0,010526,,,M",
        "GPRMC,083000.00,A,3725.800,N,11233.600,E,0.0,0.0,010526,,,S",
    ],
)
def test_manual_and_simulated_fixes_are_not_live(body: str) -> None:
    gps = GpsTracker(clock=FakeClock())
    fed(gps, "GPGGA,082959.00,3725.700,N,11233.500,E,1,08,0.9,780.0,M,,M,,")
    assert gps.position() is not None
    fed(gps, body)
    assert gps.position() is None  # and so a sample waits for a real fix or the station's
    assert gps.utc_now() is None
    fixed = Geo(lat=1.0, lon=2.0, fix=GeoFix.FIXED)
    assert station_geo("gps", fixed, gps) == fixed
