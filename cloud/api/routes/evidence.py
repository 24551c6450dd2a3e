"""`POST /api/v1/evidence` (snapshots, clips from edge nodes) and `GET /api/v1/evidence/{sha256}`.

Content-addressed: stored under `data_dir/evidence/ab/abcdef…` by the SHA-256 the server
computes itself. A sender may state the hash it expects in `X-Content-SHA256`; a mismatch (a
truncated or corrupted upload) is refused with 422 and nothing is stored. 201 created, 200 when
that hash is already held (uploads are idempotent, like messages).
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import SettingsDep
from cloud.settings import CloudSettings

router = APIRouter(tags=["evidence"])
_SENDERS = require_role(Role.PRODUCER, Role.INSPECTOR, Role.DEVICE)
MAX_EVIDENCE_BYTES = 64 * 1024 * 1024  # a short clip; longer video stays on the edge
MEDIA = {"image/jpeg": ".jpg", "video/mp4": ".mp4", "image/png": ".png"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def evidence_root(settings: CloudSettings) -> Path:
    """Where the cloud keeps evidence files."""
    return Path(settings.data_dir) / "evidence"


def _path(root: Path, sha: str) -> Path:
    return root / sha[:2] / sha


def _store(root: Path, data: bytes, sha: str, media: str) -> bool:
    """Write atomically; False when already present."""
    final = _path(root, sha)
    if final.exists():
        return False
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=final.parent, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, final)
    final.with_suffix(".media").write_text(media, "utf-8")
    return True


@router.post("/api/v1/evidence", summary="Upload a snapshot or clip (stored by SHA-256)")
async def post_evidence(
    request: Request, settings: SettingsDep, _principal: Annotated[Principal, Depends(_SENDERS)]
) -> JSONResponse:
    """Verify the body's SHA-256 against `X-Content-SHA256` (if given) and store it."""
    media = request.headers.get("content-type", "").split(";")[0].strip()
    if media not in MEDIA:
        raise HTTPException(415, f"content-type must be one of {', '.join(MEDIA)}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_EVIDENCE_BYTES:
            raise HTTPException(413, f"evidence larger than {MAX_EVIDENCE_BYTES} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise HTTPException(422, "empty body")
    sha = hashlib.sha256(data).hexdigest()
    claimed = request.headers.get("x-content-sha256")
    if claimed is not None and claimed.lower() != sha:
        return JSONResponse(
            {"detail": "sha256 mismatch", "claimed": claimed, "received": sha}, status_code=422
        )
    created = await run_in_threadpool(_store, evidence_root(settings), data, sha, media)
    body = {"sha256": sha, "bytes": len(data), "uri": f"/api/v1/evidence/{sha}"}
    return JSONResponse(body, status_code=201 if created else 200)


@router.get("/api/v1/evidence/{sha256}", summary="Fetch stored evidence by its SHA-256")
async def get_evidence(
    settings: SettingsDep, sha256: str, _principal: Annotated[Principal, Depends(require_reader)]
) -> FileResponse:
    """The stored bytes with their media type."""
    if not _SHA.match(sha256):
        raise HTTPException(422, "expected a lower-case hex SHA-256")
    path = _path(evidence_root(settings), sha256)
    if not path.is_file():
        raise HTTPException(404, "no evidence with this hash")
    media_file = path.with_suffix(".media")
    media = media_file.read_text("utf-8") if media_file.exists() else "application/octet-stream"
    return FileResponse(path, media_type=media)
