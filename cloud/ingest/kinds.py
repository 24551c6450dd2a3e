"""A registered device's type, for the kinds check (`agrisafe.protocol.devices`)."""

import threading
import time

from sqlalchemy import Engine, select

from cloud.store import tables as t


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
