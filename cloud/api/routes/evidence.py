"""`POST /api/v1/evidence` (snapshots, clips from edge nodes) and `GET /api/v1/evidence/{sha256}`.

Content-addressed: stored under `data_dir/evidence/ab/abcdef…` by the SHA-256 the server
computes itself. A sender may state the hash it expects in `X-Content-SHA256`; a mismatch (a
truncated or corrupted upload) is refused with 422 and nothing is stored. 201 created, 200 when
that hash is already held (uploads are idempotent, like messages).
"""

import hashlib
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import SettingsDep
from cloud.api.schemas.evidence import EvidenceMismatch, EvidencePublic
from cloud.evidence.store import SHA256, EvidenceStore
from cloud.settings import CloudSettings

router = APIRouter(tags=["evidence"])
_SENDERS = require_role(Role.PRODUCER, Role.INSPECTOR, Role.DEVICE)
MAX_EVIDENCE_BYTES = 64 * 1024 * 1024  # a short clip; longer video stays on the edge
MEDIA = {"image/jpeg": ".jpg", "video/mp4": ".mp4", "image/png": ".png"}


def evidence_store(settings: CloudSettings) -> EvidenceStore:
    """Where the cloud keeps evidence files."""
    return EvidenceStore(Path(settings.data_dir) / "evidence")


async def _read_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_EVIDENCE_BYTES:
            raise HTTPException(413, f"evidence larger than {MAX_EVIDENCE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/api/v1/evidence",
    summary="Upload a snapshot or clip (stored by SHA-256)",
    status_code=201,
    response_model=EvidencePublic,
    responses={
        200: {"model": EvidencePublic, "description": "already held"},
        422: {"model": EvidenceMismatch, "description": "SHA-256 mismatch or empty body"},
    },
)
async def post_evidence(
    request: Request, settings: SettingsDep, _principal: Annotated[Principal, Depends(_SENDERS)]
) -> JSONResponse:
    """Verify the body's SHA-256 against `X-Content-SHA256` (if given) and store it."""
    media = request.headers.get("content-type", "").split(";")[0].strip()
    if media not in MEDIA:
        raise HTTPException(415, f"content-type must be one of {', '.join(MEDIA)}")
    data = await _read_body(request)
    if not data:
        raise HTTPException(422, "empty body")
    sha = hashlib.sha256(data).hexdigest()
    claimed = request.headers.get("x-content-sha256")
    if claimed is not None and claimed.lower() != sha:
        mismatch = EvidenceMismatch(detail="sha256 mismatch", claimed=claimed, received=sha)
        return JSONResponse(mismatch.model_dump(), status_code=422)
    created = await run_in_threadpool(evidence_store(settings).put, data, sha, media)
    body = EvidencePublic(sha256=sha, bytes=len(data), uri=f"/api/v1/evidence/{sha}")
    return JSONResponse(body.model_dump(), status_code=201 if created else 200)


@router.get(
    "/api/v1/evidence/{sha256}",
    summary="Fetch stored evidence by its SHA-256",
    response_class=FileResponse,
    responses={200: {"content": {media: {} for media in MEDIA}}},
)
async def get_evidence(
    settings: SettingsDep,
    sha256: str,
    _principal: Annotated[Principal, Depends(require_reader)],
) -> FileResponse:
    """The stored bytes with their media type."""
    if not SHA256.match(sha256):
        raise HTTPException(422, "expected a lower-case hex SHA-256")
    found = await run_in_threadpool(evidence_store(settings).get, sha256)
    if found is None:
        raise HTTPException(404, "no evidence with this hash")
    return FileResponse(found.path, media_type=found.media)
