"""GPS state: fixes combine, no-fix and stale fixes clear, GPS time, station position policy."""

from datetime import UTC, datetime, timedelta

from agrisafe.protocol import Geo, GeoFix
from firmware_bridge.gps import GpsTracker, station_geo
from firmware_bridge.protocols.nmea import NmeaFix


class FakeClock:
    """A hand-moved monotonic clock (time itself cannot be paused in a test)."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


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
