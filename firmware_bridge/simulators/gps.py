"""A GPS receiver simulator: RMC, GGA and GSA once per interval, with or without a fix."""

import threading
from datetime import UTC, datetime
from pathlib import Path

from firmware_bridge.protocols.checksum import xor8
from firmware_bridge.simulators.base import PtySimulator


def sentence(body: str) -> bytes:
    """``$body*HH\\r\\n`` with the NMEA checksum."""
    return f"${body}*{xor8(body.encode('ascii')):02X}\r\n".encode("ascii")


def _dm(value: float, width: int, hemis: str) -> tuple[str, str]:
    degrees = int(abs(value))
    minutes = (abs(value) - degrees) * 60
    return f"{degrees:0{width}d}{minutes:07.4f}", hemis[0] if value >= 0 else hemis[1]


def epoch(
    when: datetime, lat: float, lon: float, alt: float, quality: int, hdop: float, sats: int
) -> bytes:
    """One second of output: RMC, GGA, GSA (quality 0 = no fix: empty position, status V)."""
    hms = when.strftime("%H%M%S") + f".{when.microsecond // 10000:02d}"
    dmy = when.strftime("%d%m%y")
    la, ns = _dm(lat, 2, "NS")
    lo, ew = _dm(lon, 3, "EW")
    if quality == 0:
        rmc = f"GPRMC,{hms},V,,,,,,,{dmy},,,N"
        gga = f"GPGGA,{hms},,,,,0,00,99.99,,,,,,"
        gsa = "GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99"
    else:
        mode = {1: "A", 2: "D", 4: "R", 5: "F", 6: "E"}.get(quality, "A")
        rmc = f"GPRMC,{hms},A,{la},{ns},{lo},{ew},0.02,0.0,{dmy},,,{mode}"
        gga = (
            f"GPGGA,{hms},{la},{ns},{lo},{ew},{quality},{sats:02d},{hdop:.1f},{alt:.1f},M,-20.1,M,,"
        )
        gsa = f"GPGSA,A,3,01,03,08,11,14,17,19,22,,,,,{hdop * 1.6:.1f},{hdop:.1f},{hdop * 1.3:.1f}"
    return sentence(rmc) + sentence(gga) + sentence(gsa)


class GpsSimulator(PtySimulator):
    """Streams NMEA at `interval_s`; `set_fix(False)` simulates losing the sky."""

    name = "gps"

    def __init__(
        self,
        link: Path | None = None,
        *,
        lat: float = 37.4302,
        lon: float = 112.5601,
        alt: float = 780.0,
        quality: int = 1,
        hdop: float = 0.9,
        interval_s: float = 1.0,
    ) -> None:
        super().__init__(link)
        self.lat, self.lon, self.alt, self.quality, self.hdop = lat, lon, alt, quality, hdop
        self.interval_s = interval_s
        self._next = 0.0
        self.sent_epoch = threading.Event()

    def set_fix(self, quality: int) -> None:
        """0 = no fix, 1 = GPS, 2 = DGPS, 4 = RTK …"""
        with self.lock:
            self.quality = quality

    def on_tick(self, now: float) -> None:
        """Emit an epoch when it is due."""
        if now < self._next:
            return
        self._next = now + self.interval_s
        when = datetime.now(UTC)
        self.send(epoch(when, self.lat, self.lon, self.alt, self.quality, self.hdop, 9))
        self.sent_epoch.set()
