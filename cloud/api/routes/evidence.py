"""`POST /api/v1/evidence` (snapshots, clips from edge nodes) and `GET /api/v1/evidence/{sha256}`.

Content-addressed: streamed to disk under `data_dir/evidence/ab/abcdef…` by the SHA-256 the
server computes while receiving, never held whole in memory. A sender may state the hash it
expects in `X-Content-SHA256`; a mismatch is refused with 422 and nothing is stored. The media
type is decided from the first bytes (JPEG, PNG, MP4, WebM; anything else 415), whatever the
`Content-Type` says. Each file is held for a site — the device token's site, or the one named in
`X-Agrisafe-Site` — with the uploading device and token, counted against that site's devices'
quota or (people's tokens) its smaller people's quota (507 beyond it), and fetched only by
callers who see one of the sites holding it. 201 created, 200 when that site already holds the
hash (uploads are idempotent, like messages) — and, should its file be missing, stores it again.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import EngineDep, MetricsDep, RegistryDep, SettingsDep
from cloud.api.schemas.evidence import EvidenceMismatch, EvidencePublic
from cloud.evidence import service
from cloud.evidence.sniff import MEDIA_TYPES, sniff
from cloud.evidence.store import SHA256, EvidenceStore, Staged, StoredEvidence
from cloud.evidence.transcode import PLAYABLE_MEDIA, Unavailable, playable_copy
from cloud.metrics import IngestMetrics
from cloud.registry.service import RegistryService
from cloud.settings import CloudSettings

logger = logging.getLogger(__name__)
router = APIRouter(tags=["evidence"])
_SENDERS = require_role(Role.PRODUCER, Role.INSPECTOR, Role.DEVICE)
SITE_HEADER = "x-agrisafe-site"


def evidence_store(settings: CloudSettings) -> EvidenceStore:
    """Where the cloud keeps evidence files."""
    return EvidenceStore(Path(settings.data_dir) / "evidence")


def upload_site(principal: Principal, named: str | None, registry: RegistryService) -> str:
    """The site an upload is held for: the named one (in scope) or the token's only site."""
    if named is None:
        if principal.sites is not None and len(principal.sites) == 1:
            return next(iter(principal.sites))
        raise HTTPException(422, "name the site the evidence is for in X-Agrisafe-Site")
    info = registry.site(named)
    if info is None or not principal.sees(named, info.region):
        raise HTTPException(403, f"site {named!r} is outside this token's scope")
    return named


async def _receive(request: Request, staged: Staged) -> str:
    # Chunks go to disk from a worker thread; the body-limit middleware caps the total.
    async for chunk in request.stream():
        if chunk:
            await run_in_threadpool(staged.write, chunk)
    return await run_in_threadpool(staged.close)


@router.post(
    "/api/v1/evidence",
    summary="Upload a snapshot or clip (stored by SHA-256, held for a site)",
    status_code=201,
    response_model=EvidencePublic,
    responses={
        200: {"model": EvidencePublic, "description": "already held for this site"},
        403: {"description": "the named site is outside the token's scope"},
        413: {"description": "larger than AGRISAFE_EVIDENCE_MAX_BYTES"},
        415: {"description": "not a JPEG, PNG, MP4 or WebM file"},
        422: {"model": EvidenceMismatch, "description": "SHA-256 mismatch or empty body"},
        507: {"description": "the site's evidence quota (its devices' or its people's) is used up"},
    },
)
async def post_evidence(
    request: Request,
    settings: SettingsDep,
    engine: EngineDep,
    registry: RegistryDep,
    metrics: MetricsDep,
    principal: Annotated[Principal, Depends(_SENDERS)],
) -> JSONResponse:
    """Stream the body to disk, verify its SHA-256 and type, and record who holds it."""
    site = await run_in_threadpool(
        upload_site, principal, request.headers.get(SITE_HEADER), registry
    )
    quotas = service.Quotas(settings.evidence_quota_bytes, settings.evidence_people_quota_bytes)
    intake = _Intake(evidence_store(settings), engine, quotas, metrics)
    claimed = request.headers.get("x-content-sha256")
    key = claimed.lower() if claimed is not None and SHA256.match(claimed.lower()) else None
    known = None if key is None else await run_in_threadpool(service.held, engine, key, site)
    if known is not None and key is not None:
        # Content-addressed: a file the site already holds needs no second transfer …
        if await run_in_threadpool(intake.store.path(key).is_file):
            return _public(key, known["bytes"], site, known["media"], 200)
        # … unless it is gone: take it again (hash checked below; its bytes are counted already)
        logger.error("evidence %s held for %s is missing: storing it again", key, site)
    else:
        left = await run_in_threadpool(service.quota_left, engine, site, principal.device, quotas)
        declared = request.headers.get("content-length", "")
        if left <= 0 or (declared.isdigit() and int(declared) > left):
            who = service.sender(principal.device)
            detail = f"site {site} has {max(left, 0)} bytes of its {who} evidence quota left"
            _quota_refused(metrics, site, principal, detail)
            raise HTTPException(507, detail)
    staged = await run_in_threadpool(intake.store.stage)
    try:
        sha = await _receive(request, staged)
    except BaseException:
        await run_in_threadpool(staged.discard)
        raise
    return await run_in_threadpool(_keep, intake, staged, (sha, claimed), principal, site)


@dataclass(frozen=True, slots=True)
class _Intake:
    store: EvidenceStore
    engine: Engine
    quotas: service.Quotas
    metrics: IngestMetrics


def _keep(
    intake: _Intake,
    staged: Staged,
    hashes: tuple[str, str | None],
    principal: Principal,
    site: str,
) -> JSONResponse:
    sha, claimed = hashes
    media = sniff(staged.head)
    refusal = _refusal(staged, sha, media, claimed)
    if refusal is not None or media is None:
        staged.discard()
        return refusal or JSONResponse({"detail": "not an evidence file"}, status_code=415)
    size = staged.size
    upload = service.Upload(sha, site, principal.device, principal.token_id, size, media)
    store, engine = intake.store, intake.engine
    # Placing the file and recording its holder are one step to the clean-up below, which
    # deletes only a file no site holds: under the hash's lock, so a concurrent upload of the
    # same bytes cannot find the file in place and lose it before it records its copy.
    with store.locked(sha):
        created_file = store.adopt(staged, sha, media)
        try:
            created = service.record(engine, upload, intake.quotas)
        except service.QuotaExceeded as err:
            if created_file and service.orphaned(engine, sha):
                store.remove(sha)
            _quota_refused(intake.metrics, site, principal, str(err))
            return JSONResponse({"detail": str(err)}, status_code=507)
    return _public(sha, size, site, media, 201 if created else 200)


def _quota_refused(metrics: IngestMetrics, site: str, principal: Principal, detail: str) -> None:
    who = service.sender(principal.device)
    metrics.evidence_quota_refusals.labels(site, who).inc()
    if principal.device is not None:
        # A camera's evidence is being refused: the edge keeps retrying, but its own quota will
        # delete the files it cannot send. Someone must raise the quota or clear the site.
        logger.error(
            "EVIDENCE REFUSED for device %s at site %s: %s", principal.device, site, detail
        )
    else:
        logger.warning("evidence of %s refused: %s", principal.name, detail)


def _public(sha: str, size: int, site: str, media: str, code: int) -> JSONResponse:
    body = EvidencePublic(
        sha256=sha, bytes=size, uri=f"/api/v1/evidence/{sha}", site=site, media=media
    )
    return JSONResponse(body.model_dump(), status_code=code)


def _refusal(
    staged: Staged, sha: str, media: str | None, claimed: str | None
) -> JSONResponse | None:
    if staged.size == 0:
        return JSONResponse({"detail": "empty body"}, status_code=422)
    if claimed is not None and claimed.lower() != sha:
        mismatch = EvidenceMismatch(detail="sha256 mismatch", claimed=claimed, received=sha)
        return JSONResponse(mismatch.model_dump(), status_code=422)
    if media is None:
        allowed = ", ".join(MEDIA_TYPES)
        return JSONResponse(
            {"detail": f"not an allowed evidence file (by its content): {allowed}"},
            status_code=415,
        )
    return None


@router.get(
    "/api/v1/evidence/{sha256}",
    summary="Fetch stored evidence by its SHA-256",
    response_class=FileResponse,
    responses={200: {"content": {media: {} for media in MEDIA_TYPES}}},
)
async def get_evidence(
    settings: SettingsDep,
    engine: EngineDep,
    registry: RegistryDep,
    sha256: str,
    principal: Annotated[Principal, Depends(require_reader)],
) -> FileResponse:
    """The stored bytes with their sniffed media type (404 outside the caller's scope)."""
    found = await _visible(settings, engine, registry, sha256, principal)
    return FileResponse(found.path, media_type=found.media)


async def _visible(
    settings: CloudSettings,
    engine: Engine,
    registry: RegistryService,
    sha256: str,
    principal: Principal,
) -> StoredEvidence:
    if not SHA256.match(sha256):
        raise HTTPException(422, "expected a lower-case hex SHA-256")

    def sees(site: str) -> bool:
        return principal.sees(site, registry.region_of(site))

    # Unrestricted callers (admins) also see files stored before uploads were tied to a site.
    unrestricted = principal.regions is None and principal.sites is None
    if not unrestricted and not await run_in_threadpool(service.visible, engine, sha256, sees):
        raise HTTPException(404, "no evidence with this hash")
    found = await run_in_threadpool(evidence_store(settings).get, sha256)
    if found is None:
        raise HTTPException(404, "no evidence with this hash")
    return found


@router.get(
    "/api/v1/evidence/{sha256}/playable",
    summary="A clip in a format browsers play (older mp4v clips transcoded to WebM once)",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/webm": {}, "video/mp4": {}}},
        415: {"description": "not a video"},
        501: {"description": "this server cannot transcode (OpenCV missing)"},
    },
)
async def get_playable(
    settings: SettingsDep,
    engine: EngineDep,
    registry: RegistryDep,
    sha256: str,
    principal: Annotated[Principal, Depends(require_reader)],
) -> FileResponse:
    """The clip itself when it is WebM; else a WebM copy of it. `X-Original-SHA256` names the
    evidence (the stored original, which stays what records and alerts refer to)."""
    found = await _visible(settings, engine, registry, sha256, principal)
    headers = {"X-Original-SHA256": sha256}
    if found.media == PLAYABLE_MEDIA:
        return FileResponse(found.path, media_type=found.media, headers=headers)
    if not found.media.startswith("video/"):
        raise HTTPException(415, f"{found.media} is not a video")
    cache = Path(settings.data_dir) / "evidence-playable"
    try:
        copy = await run_in_threadpool(playable_copy, found.path, sha256, cache)
    except Unavailable as err:
        raise HTTPException(501, str(err)) from err
    return FileResponse(copy, media_type=PLAYABLE_MEDIA, headers=headers)
