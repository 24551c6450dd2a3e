"""Certificates: the scoped list and detail, and the public trace page with its QR code."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Principal, require_reader
from cloud.api.deps import CreditPolicyDep, EngineDep, SettingsDep, TracePagesDep
from cloud.api.schemas.certificates import CertificatePage, CertificatePublic
from cloud.api.schemas.query import CertificateQuery
from cloud.certificates import page, queries
from cloud.settings import CloudSettings

router = APIRouter(tags=["certificates"])
Reader = Annotated[Principal, Depends(require_reader)]


@router.get(
    "/api/v1/certificates",
    summary="Certificate decisions (issued, refused, revoked)",
    response_model_exclude_unset=True,
)
async def list_certificates(
    engine: EngineDep, principal: Reader, q: Annotated[CertificateQuery, Query()]
) -> CertificatePage:
    """`{"total": N, "items": [...]}` newest first, within the caller's scope."""
    f = queries.CertificateFilter(
        site=q.site,
        lot=q.lot,
        status=q.status,
        request_id=q.request_id,
        regions=principal.regions,
        sites=principal.sites,
    )
    total, rows = await run_in_threadpool(queries.listing, engine, f, q.limit, q.offset)
    items = [CertificatePublic.model_validate(queries.public(r)) for r in rows]
    return CertificatePage(total=total, items=items)


@router.get(
    "/api/v1/certificates/{cert_id}",
    summary="One certificate decision",
    response_model_exclude_unset=True,
)
async def get_certificate(cert_id: str, engine: EngineDep, principal: Reader) -> CertificatePublic:
    """The decision with its reasons and content."""
    row = await run_in_threadpool(queries.get, engine, cert_id)
    if row is None or not principal.sees(row["site"], row["region"]):
        raise HTTPException(404, f"no certificate {cert_id}")
    return CertificatePublic.model_validate(queries.public(row))


def _trace_url(settings: CloudSettings, cert_id: str) -> str:
    base = settings.public_url or f"http://{settings.http_host}:{settings.http_port}"
    return f"{base.rstrip('/')}/t/{cert_id}"


@router.get("/t/{cert_id}", response_class=HTMLResponse, tags=["public"], summary="Trace page")
async def trace_page(
    cert_id: str, engine: EngineDep, policy: CreditPolicyDep, pages: TracePagesDep
) -> HTMLResponse:
    """Public, mobile-friendly page a buyer reaches by scanning the certificate's QR code."""

    def render() -> str:
        view = queries.trace_view(engine, policy, cert_id)
        return pages.render(
            view.row,
            tests=view.tests,
            credit_level=view.credit_level,
            qr_url=f"/t/{cert_id}/qr.svg",
            revoked_on=view.revoked_on,
        )

    return HTMLResponse(await run_in_threadpool(render))


@router.get(
    "/t/{cert_id}/qr.svg",
    tags=["public"],
    summary="QR code (SVG)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
async def trace_qr_svg(cert_id: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """The certificate's QR code pointing to its trace page."""
    await run_in_threadpool(queries.shown, engine, cert_id)
    return Response(page.qr_svg(_trace_url(settings, cert_id)), media_type="image/svg+xml")


@router.get(
    "/t/{cert_id}/qr.png",
    tags=["public"],
    summary="QR code (PNG)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def trace_qr_png(cert_id: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """The certificate's QR code pointing to its trace page."""
    await run_in_threadpool(queries.shown, engine, cert_id)
    return Response(page.qr_png(_trace_url(settings, cert_id)), media_type="image/png")
