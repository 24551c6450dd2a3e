"""Who signs for a device: its registered public key and its site's signature policy.

Ingest asks `DeviceKeys.policy` for every message, so answers are cached — briefly (`ttl_s`),
because a device removed from the registry must be refused within that time by every worker
process, and `forget()` drops the cache at once in this one. A key counts only while its
device is registered: the lookup joins `devices`.
"""

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select

from agrisafe.identity import KeyError_, VerifyKey, key_id, load_verify_key
from cloud.registry.model import SiteConfig
from cloud.store import tables as t
from cloud.store import trust_tables as tt
from cloud.store.sql import upsert


@dataclass(frozen=True, slots=True)
class SignerPolicy:
    """What a message from (site, device) must carry."""

    required: bool
    key: VerifyKey | None  # None: the device has no registered key (or is not registered)
    key_id: str | None


def put_site_keys(conn: Connection, site: SiteConfig) -> None:
    """Write a registry site's signature policy and device keys (keys absent in it removed)."""
    upsert(conn, tt.site_trust, [{"site": site.id, "signatures": site.signatures}], ["site"])
    k = tt.device_keys.c
    keyed = [d for d in site.devices if d.public_key is not None]
    conn.execute(
        delete(tt.device_keys).where(
            k.site == site.id, k.device.not_in([d.id for d in keyed] or [""])
        )
    )
    upsert(
        conn,
        tt.device_keys,
        [
            {"site": site.id, "device": d.id, "public_key": d.public_key, "key_id": key_id(pk)}
            for d in keyed
            if (pk := d.public_key) is not None
        ],
        ["site", "device"],
    )


class DeviceKeys:
    """Cached lookups of `SignerPolicy` per (site, device)."""

    def __init__(self, engine: Engine, *, ttl_s: float = 1.0) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, SignerPolicy]] = {}

    def forget(self) -> None:
        """Drop every cached answer (a device was removed or re-keyed in this process)."""
        with self._lock:
            self._cache.clear()

    def policy(self, site: str, device: str) -> SignerPolicy:
        """The signature policy for a sender, at most `ttl_s` old."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get((site, device))
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        found = self._read(site, device)
        with self._lock:
            self._cache[(site, device)] = (now, found)
        return found

    def _read(self, site: str, device: str) -> SignerPolicy:
        k, d, s = tt.device_keys.c, t.devices.c, tt.site_trust.c
        with self.engine.connect() as conn:
            required = conn.execute(select(s.signatures).where(s.site == site)).scalar_one_or_none()
            row = conn.execute(
                select(k.public_key, k.key_id)
                .join(t.devices, (d.site == k.site) & (d.id == k.device))
                .where(k.site == site, k.device == device)
            ).first()
        key = None
        if row is not None:
            try:
                key = load_verify_key(row.public_key)
            except KeyError_:  # a corrupt key row verifies nothing
                key = None
        return SignerPolicy(required == "required", key, row.key_id if row else None)
