"""The station's GPS state from NMEA sentences, and where a test or a sample is said to be.

GGA brings quality, position, HDOP and altitude; RMC brings the UTC date and time; GSA the DOP.
A sentence without a live fix (no fix, or a manual or simulated one) clears the position at
once and never sets the GPS clock, and a fix older than `max_age_s` counts as none, so nothing
is ever tagged with a stale, a typed-in or a 0,0 position, nor stamped with a receiver's
default date.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from agrisafe.protocol import Geo, GeoFix
from firmware_bridge.protocols.nmea import NmeaFix


@dataclass(frozen=True, slots=True)
class Position:
    """A live fix."""

    lat: float
    lon: float
    quality: str  # gps, dgps, rtk, float …
    alt: float | None = None
    hdop: float | None = None
    sats: int | None = None

    def geo(self) -> Geo:
        """As a protocol geo (fix `gps`, the NMEA quality kept in `quality`)."""
        return Geo(
            lat=self.lat,
            lon=self.lon,
            alt=self.alt,
            fix=GeoFix.GPS,
            hdop=self.hdop,
            quality=self.quality,
        )


class GpsTracker:
    """Combines GGA / RMC / GSA into the current fix and the GPS clock; thread-safe."""

    def __init__(self, max_age_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._pos: Position | None = None
        self._pos_at = 0.0
        self._utc: datetime | None = None
        self._utc_at = 0.0
        self.sentences = 0

    def update(self, fix: NmeaFix) -> None:
        """Take one decoded sentence into account."""
        now = self._clock()
        with self._lock:
            self.sentences += 1
            # Without a fix (RMC status V) the date is the receiver's default (e.g. 06-01-1980,
            # the GPS epoch) and a manual or simulated fix says nothing about the real time.
            if fix.when is not None and fix.live:
                self._utc, self._utc_at = fix.when, now
            if fix.sentence == "GSA":
                self._update_dop(fix)
                return
            if not fix.live or fix.lat is None or fix.lon is None:
                self._pos = None
                return
            old = self._pos
            keep = old if old is not None and now - self._pos_at <= self.max_age_s else None
            self._pos = Position(
                lat=fix.lat,
                lon=fix.lon,
                quality=fix.fix if fix.sentence == "GGA" or keep is None else keep.quality,
                alt=fix.alt if fix.alt is not None else (keep.alt if keep else None),
                hdop=fix.hdop if fix.hdop is not None else (keep.hdop if keep else None),
                sats=fix.sats if fix.sats is not None else (keep.sats if keep else None),
            )
            self._pos_at = now

    def _update_dop(self, fix: NmeaFix) -> None:
        if not fix.live:
            self._pos = None
        elif self._pos is not None and fix.hdop is not None:
            p = self._pos
            self._pos = Position(p.lat, p.lon, p.quality, p.alt, fix.hdop, p.sats)

    def position(self) -> Position | None:
        """The current fix, or None when there is none or it is stale."""
        with self._lock:
            if self._pos is None or self._clock() - self._pos_at > self.max_age_s:
                return None
            return self._pos

    def utc_now(self) -> datetime | None:
        """GPS time now (the last RMC time plus the time since), or None if it is stale."""
        with self._lock:
            if self._utc is None:
                return None
            age = self._clock() - self._utc_at
            if age > self.max_age_s:
                return None
            return self._utc + timedelta(seconds=age)


def station_geo(source: str, fixed: Geo | None, tracker: GpsTracker | None) -> Geo:
    """Where a test at the station happened: the live fix, else the surveyed position, else none.

    `source` is `gps` (prefer the live fix) or `fixed` (always the surveyed position).
    """
    if source == "gps" and tracker is not None:
        pos = tracker.position()
        if pos is not None:
            return pos.geo()
    if fixed is not None:
        return fixed
    return Geo(fix=GeoFix.NONE)
