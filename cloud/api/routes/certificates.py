"""Certificates: the scoped list and detail, and the public trace page with its QR code."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine, func, select
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import format_rfc3339, from_ms, site_zone
from cloud.api.auth import Principal, require_reader
from cloud.api.deps import CreditPolicyDep, EngineDep, SettingsDep, TracePagesDep
from cloud.certificates import page
from cloud.credit import ledger
from cloud.settings import CloudSettings
from cloud.store import compliance_tables as ct
from cloud.store import tables as t
from cloud.store.timelines import by_lot

router = APIRouter(tags=["certificates"])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("decided_ms", "requested_ms", "revoked_ms"):
        if out.get(key) is not None:
            out[key.replace("_ms", "_at")] = format_rfc3339(from_ms(out.pop(key)))
        else:
            out.pop(key, None)
    return out


@router.get("/api/v1/certificates", summary="Certificate decisions (issued, refused, revoked)")
async def list_certificates(
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_reader)],
    site: str | None = None,
    lot: str | None = None,
    status: str | None = None,
    request_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """`{"total": N, "items": [...]}` newest first, within the caller's scope."""
    c = ct.certificates.c
    where: list[Any] = [
        col == v
        for col, v in ((c.site, site), (c.lot, lot), (c.status, status), (c.request_id, request_id))
        if v is not None
    ]
    if principal.regions is not None:
        where.append(c.region.in_(sorted(principal.regions)))
    if principal.sites is not None:
        where.append(c.site.in_(sorted(principal.sites)))

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(ct.certificates).where(*where))
            rows = conn.execute(
                select(ct.certificates)
                .where(*where)
                .order_by(c.decided_ms.desc(), c.id.desc())
                .limit(limit)
                .offset(offset)
            ).mappings()
            return {"total": int(total.scalar() or 0), "items": [_public(dict(r)) for r in rows]}

    return await run_in_threadpool(load)


def _load(engine: Engine, cert_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(ct.certificates).where(ct.certificates.c.id == cert_id))
        found = row.mappings().first()
        return dict(found) if found is not None else None


@router.get("/api/v1/certificates/{cert_id}", summary="One certificate decision")
async def get_certificate(
    cert_id: str, engine: EngineDep, principal: Annotated[Principal, Depends(require_reader)]
) -> dict[str, Any]:
    """The decision with its reasons and content."""
    row = await run_in_threadpool(_load, engine, cert_id)
    if row is None or not principal.sees(row["site"], row["region"]):
        raise HTTPException(404, f"no certificate {cert_id}")
    return _public(row)


def _trace_url(settings: CloudSettings, cert_id: str) -> str:
    base = settings.public_url or f"http://{settings.http_host}:{settings.http_port}"
    return f"{base.rstrip('/')}/t/{cert_id}"


def _shown(engine: Engine, cert_id: str) -> dict[str, Any]:
    row = _load(engine, cert_id)
    if row is None or row["status"] == "refused":
        raise HTTPException(404, "没有这张合格证 (no such certificate)")
    return row


@router.get("/t/{cert_id}", response_class=HTMLResponse, tags=["public"], summary="Trace page")
async def trace_page(
    cert_id: str, engine: EngineDep, policy: CreditPolicyDep, pages: TracePagesDep
) -> HTMLResponse:
    """Public, mobile-friendly page a buyer reaches by scanning the certificate's QR code."""

    def render() -> str:
        row = _shown(engine, cert_id)
        with engine.connect() as conn:
            tests = [
                env
                for kind, _ts, env in by_lot(
                    conn, ("rapid_test",), [(row["site"], row["lot"])]
                ).get((row["site"], row["lot"]), [])
            ]
            level = "—"
            if row["producer"]:
                level = ledger.standing(conn, row["producer"], policy)["level"] + " 级"
            tz = conn.execute(select(t.sites.c.timezone).where(t.sites.c.id == row["site"]))
            zone = site_zone(tz.scalar_one_or_none())
        revoked_on = (
            from_ms(row["revoked_ms"], zone).date().isoformat() if row["revoked_ms"] else None
        )
        return pages.render(
            row,
            tests=sorted(tests, key=lambda e: e["ts"]),
            credit_level=level,
            qr_url=f"/t/{cert_id}/qr.svg",
            revoked_on=revoked_on,
        )

    return HTMLResponse(await run_in_threadpool(render))


@router.get("/t/{cert_id}/qr.svg", tags=["public"], summary="QR code (SVG)")
async def trace_qr_svg(cert_id: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """The certificate's QR code pointing to its trace page."""
    await run_in_threadpool(_shown, engine, cert_id)
    return Response(page.qr_svg(_trace_url(settings, cert_id)), media_type="image/svg+xml")


@router.get("/t/{cert_id}/qr.png", tags=["public"], summary="QR code (PNG)")
async def trace_qr_png(cert_id: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """The certificate's QR code pointing to its trace page."""
    await run_in_threadpool(_shown, engine, cert_id)
    return Response(page.qr_png(_trace_url(settings, cert_id)), media_type="image/png")
