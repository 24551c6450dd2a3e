"""The registry service: who may send, which region a site belongs to, what a site grows.

Ingest asks `check_sender` for every message; answers are cached and a miss is re-read from
the database, so sites registered through the API or by another worker are seen at once.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from cloud.registry.keys import DeviceKeys, put_site_keys
from cloud.registry.model import UNKNOWN_REGION, RegistryFile, SiteConfig
from cloud.store import tables as t
from cloud.store.sql import insert_ignore, upsert

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What the rules and alert routing need to know about a site."""

    id: str
    region: str
    timezone: str
    producer: str | None


class RegistryService:
    """Registry reads and writes over the SQL store."""

    def __init__(
        self, engine: Engine, *, auto_register: bool = False, sender_ttl_s: float = 30.0
    ) -> None:
        self.engine = engine
        self.auto_register = auto_register
        # A cached "may send" expires, so a device removed through another process's API is
        # refused here too within `sender_ttl_s` (this process forgets it at once).
        self.sender_ttl_s = sender_ttl_s
        self._lock = threading.Lock()
        self._senders: dict[tuple[str, str], float] = {}
        self._sites: dict[str, SiteInfo] = {}
        self.keys = DeviceKeys(engine)  # signature policy per sender (cloud/ingest/signature.py)

    # -- writes ------------------------------------------------------------------------------
    def sync_file(self, registry: RegistryFile) -> None:
        """Upsert everything in a registry file (the file wins over earlier values)."""
        with self.engine.begin() as conn:
            upsert(
                conn,
                t.producers,
                [
                    p.model_dump() | {"show_contact": int(p.show_contact)}
                    for p in registry.producers
                ],
                ["id"],
            )
        for site in registry.sites:
            self.put_site(site)
        logger.info(
            "registry: %d producers, %d sites loaded", len(registry.producers), len(registry.sites)
        )

    def put_site(self, site: SiteConfig) -> None:
        """Create or replace one site with its plots, herds and devices."""
        base = site.model_dump(exclude={"plots", "herds", "devices", "signatures"})
        with self.engine.begin() as conn:
            upsert(conn, t.sites, [base | {"auto_registered": 0}], ["id"])
            upsert(
                conn,
                t.plots,
                [p.model_dump() | {"site": site.id} for p in site.plots],
                ["site", "id"],
            )
            upsert(
                conn,
                t.herds,
                [h.model_dump() | {"site": site.id} for h in site.herds],
                ["site", "id"],
            )
            upsert(
                conn,
                t.devices,
                [
                    d.model_dump(exclude={"public_key"}) | {"site": site.id, "auto_registered": 0}
                    for d in site.devices
                ],
                ["site", "id"],
            )
            put_site_keys(conn, site)
        with self._lock:
            self._sites.pop(site.id, None)

    def register_sender(self, site: str, device: str) -> None:
        """Auto-registration: create the site (region unknown) and the device if missing."""
        with self.engine.begin() as conn:
            conn.execute(
                insert_ignore(conn, t.sites, ["id"]),
                [
                    {
                        "id": site,
                        "name": site,
                        "region": UNKNOWN_REGION,
                        "timezone": "Asia/Shanghai",
                        "auto_registered": 1,
                    }
                ],
            )
            conn.execute(
                insert_ignore(conn, t.devices, ["site", "id"]),
                [
                    {
                        "site": site,
                        "id": device,
                        "type": "other",
                        "auto_registered": 1,
                    }
                ],
            )
        logger.info("auto-registered device %s at site %s", device, site)
        with self._lock:
            self._senders[(site, device)] = time.monotonic()

    def forget_sender(self, site: str, device: str) -> None:
        """Drop a removed device from the sender cache: its next message is `unknown_device`.

        Its signing key goes with it: a key only counts while its device is registered.
        """
        with self._lock:
            self._senders.pop((site, device), None)
        self.keys.forget()

    # -- reads -------------------------------------------------------------------------------
    def check_sender(self, site: str, device: str) -> bool:
        """True when (site, device) may send; registers it first when auto-register is on."""
        key = (site, device)
        now = time.monotonic()
        with self._lock:
            seen = self._senders.get(key)
            if seen is not None and now - seen < self.sender_ttl_s:
                return True
        with self.engine.connect() as conn:
            found = conn.execute(
                select(t.devices.c.id).where(t.devices.c.site == site, t.devices.c.id == device)
            ).first()
        if found is None:
            if not self.auto_register:
                return False
            self.register_sender(site, device)
        with self._lock:
            if len(self._senders) > 100_000:
                self._senders.clear()
            self._senders[key] = now
        return True

    def device_type(self, site: str, device: str) -> str | None:
        """The registered type of a device (`camera`, `instrument`, `app` …), or None when
        the device is not registered at the site (what `cloud.access.may_post_as` needs)."""
        c = t.devices.c
        with self.engine.connect() as conn:
            found = conn.execute(
                select(c.type).where(c.site == site, c.id == device)
            ).scalar_one_or_none()
        return str(found) if found is not None else None

    def site(self, site_id: str) -> SiteInfo | None:
        """Region, time zone and producer of a site (cached)."""
        with self._lock:
            info = self._sites.get(site_id)
        if info is not None:
            return info
        with self.engine.connect() as conn:
            row = conn.execute(select(t.sites).where(t.sites.c.id == site_id)).mappings().first()
        if row is None:
            return None
        info = SiteInfo(row["id"], row["region"], row["timezone"], row["producer"])
        with self._lock:
            self._sites[site_id] = info
        return info

    def region_of(self, site_id: str) -> str:
        """6-digit region code, or 000000 for an unknown or auto-registered site."""
        info = self.site(site_id)
        return info.region if info is not None else UNKNOWN_REGION

    def list_sites(self) -> list[dict[str, Any]]:
        """All sites with their plots, herds and devices, for the API."""
        with self.engine.connect() as conn:
            sites = [
                dict(r) for r in conn.execute(select(t.sites).order_by(t.sites.c.id)).mappings()
            ]
            children = {
                name: [dict(r) for r in conn.execute(select(table)).mappings()]
                for name, table in (("plots", t.plots), ("herds", t.herds), ("devices", t.devices))
            }
        for site in sites:
            for name, rows in children.items():
                site[name] = [
                    {k: v for k, v in r.items() if k != "site"}
                    for r in rows
                    if r["site"] == site["id"]
                ]
        return sites
