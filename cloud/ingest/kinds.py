"""Which message kinds each registered device type may send (docs/protocol.md, "Device types").

Machines report what they measure: a camera or edge node sees activities, an instrument or its
bridge reports tests and samples, a GPS receiver tags samples. People's apps and terminals,
gateways (which forward for others) and untyped devices may send every kind. Every device may
send `status` and `telemetry`. The table is pure data; `DeviceTypes` reads a device's type from
the registry's table with a short cache, so a retyped device is seen within `ttl_s`.
"""

import threading
import time

from sqlalchemy import Engine, select

from agrisafe.protocol import Kind
from cloud.registry.model import DeviceType
from cloud.store import tables as t

_ALWAYS = frozenset({Kind.STATUS, Kind.TELEMETRY})
ALLOWED_KINDS: dict[DeviceType, frozenset[Kind]] = {
    DeviceType.CAMERA: _ALWAYS | {Kind.ACTIVITY},
    DeviceType.EDGE: _ALWAYS | {Kind.ACTIVITY},
    DeviceType.INSTRUMENT: _ALWAYS | {Kind.RAPID_TEST, Kind.SAMPLE},
    DeviceType.BRIDGE: _ALWAYS | {Kind.RAPID_TEST, Kind.SAMPLE},
    DeviceType.GPS: _ALWAYS | {Kind.SAMPLE},
    DeviceType.GATEWAY: frozenset(Kind),
    DeviceType.APP: frozenset(Kind),
    DeviceType.TERMINAL: frozenset(Kind),
    DeviceType.OTHER: frozenset(Kind),
}


def kind_allowed(device_type: str | None, kind: Kind) -> bool:
    """True when a device of this type may send this kind (unknown types: every kind)."""
    try:
        allowed = ALLOWED_KINDS[DeviceType(device_type or DeviceType.OTHER)]
    except ValueError:
        return True
    return kind in allowed


class DeviceTypes:
    """A device's registered type, cached for `ttl_s` (ingest asks for every message)."""

    def __init__(self, engine: Engine, ttl_s: float = 30.0) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, str | None]] = {}

    def type_of(self, site: str, device: str) -> str | None:
        """The device's type, or None when it is not registered."""
        key = (site, device)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        c = t.devices.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.type).where(c.site == site, c.id == device)).first()
        value = None if row is None else str(row[0])
        with self._lock:
            self._cache[key] = (now, value)
        return value
