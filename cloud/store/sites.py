"""Read-only site details the compliance core needs beyond the registry's cached SiteInfo:
names, geofence, the producer's public data, plot and herd names."""

from typing import Any

from sqlalchemy import Connection, select

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


def unit_name(conn: Connection, site_id: str, plot: str | None, herd: str | None) -> str | None:
    """Display name of a plot or herd (its id is internal and never shown publicly)."""
    if plot is not None:
        tbl, key = t.plots, plot
    elif herd is not None:
        tbl, key = t.herds, herd
    else:
        return None
    name = conn.execute(
        select(tbl.c.name).where(tbl.c.site == site_id, tbl.c.id == key)
    ).scalar_one_or_none()
    return str(name) if name else None


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
