"""Read-only site details the compliance core needs beyond the registry's cached SiteInfo:
names, geofence, the producer's public data, plot and herd names."""

import time
from typing import Any

from sqlalchemy import Connection, delete, select

from cloud.store import tables as t


def site_details(conn: Connection, site_id: str) -> dict[str, Any]:
    """Name, region, time zone, geofence and producer of a site (defaults when unknown)."""
    row = conn.execute(select(t.sites).where(t.sites.c.id == site_id)).mappings().first()
    if row is None:
        return {
            "id": site_id,
            "name": site_id,
            "region": "000000",
            "timezone": None,
            "geofence": None,
            "producer": None,
        }
    out = dict(row)
    producer = None
    if row["producer"]:
        p = (
            conn.execute(select(t.producers).where(t.producers.c.id == row["producer"]))
            .mappings()
            .first()
        )
        producer = dict(p) if p is not None else {"id": row["producer"], "name": None}
    out["producer"] = producer
    return out


def unit_names(conn: Connection, site_id: str) -> dict[tuple[str, str], str]:
    """{("plot" | "herd", id): name} of one site."""
    out: dict[tuple[str, str], str] = {}
    for label, tbl in (("plot", t.plots), ("herd", t.herds)):
        rows = conn.execute(select(tbl.c.id, tbl.c.name).where(tbl.c.site == site_id))
        for unit_id, name in rows:
            if name:
                out[(label, unit_id)] = name
    return out


def geofence(conn: Connection, site_id: str) -> dict[str, Any] | None:
    """The site's geofence polygon, if registered."""
    value = conn.execute(
        select(t.sites.c.geofence).where(t.sites.c.id == site_id)
    ).scalar_one_or_none()
    return dict(value) if isinstance(value, dict) else None


def producer_of(conn: Connection, site_id: str) -> str | None:
    """The producer id of a site."""
    value = conn.execute(
        select(t.sites.c.producer).where(t.sites.c.id == site_id)
    ).scalar_one_or_none()
    return str(value) if value else None


class SiteDirectory:
    """A short-lived memo of site details and unit names (they change rarely; certificate
    content and geofences may lag a registry edit by at most `ttl_s`)."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._sites: dict[str, tuple[float, dict[str, Any]]] = {}
        self._units: dict[str, tuple[float, dict[tuple[str, str], str]]] = {}

    def site(self, conn: Connection, site_id: str) -> dict[str, Any]:
        """`site_details`, memoised."""
        now = time.monotonic()
        hit = self._sites.get(site_id)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        details = site_details(conn, site_id)
        if len(self._sites) > 10_000:
            self._sites.clear()
        self._sites[site_id] = (now, details)
        return details

    def unit(self, conn: Connection, site: str, plot: str | None, herd: str | None) -> str | None:
        """Display name of a plot or herd, memoised per site (one query per table and site)."""
        now = time.monotonic()
        hit = self._units.get(site)
        if hit is None or now - hit[0] >= self.ttl_s:
            if len(self._units) > 10_000:
                self._units.clear()
            hit = (now, unit_names(conn, site))
            self._units[site] = hit
        names = hit[1]
        if plot is not None:
            return names.get(("plot", plot))
        return names.get(("herd", herd)) if herd is not None else None

    def producer(self, conn: Connection, site_id: str) -> str | None:
        """The site's producer id."""
        return (self.site(conn, site_id).get("producer") or {}).get("id")

    def geofence(self, conn: Connection, site_id: str) -> dict[str, Any] | None:
        """The site's geofence polygon."""
        value = self.site(conn, site_id).get("geofence")
        return dict(value) if isinstance(value, dict) else None


def delete_device(conn: Connection, site_id: str, device_id: str) -> bool:
    """Remove a device from a site's allowed senders; False when it was not registered."""
    c = t.devices.c
    result = conn.execute(delete(t.devices).where(c.site == site_id, c.id == device_id))
    return result.rowcount == 1
