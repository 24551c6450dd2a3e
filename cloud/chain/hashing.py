"""Pure chain arithmetic: one record's link hash from the previous hash and the stored row.

Every column of a stored record is covered (so an edit of a derived column shows too). Only the
cloud computes these hashes, so the canonical form is the standard library's sorted, compact
JSON — it accepts every value the store can hold (arbitrarily large integers included).
"""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of a site's first record
RECORD_COLUMNS = (
    "id",
    "kind",
    "site",
    "device",
    "ts_ms",
    "received_ms",
    "source",
    "content_hash",
    "plot",
    "herd",
    "lot",
    "sample",
    "envelope",
)


def record_content(row: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a stored record row (every column, sorted keys, compact)."""
    doc = {name: row.get(name) for name in RECORD_COLUMNS}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """sha256 over the previous link's hash and the record's canonical content."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(record_content(row))
    return digest.hexdigest()


def anchor_document(site: str, day: str, seq: int, head_hash: str, anchored_ms: int) -> bytes:
    """The bytes the cloud signs for a daily anchor."""
    doc = {"site": site, "day": day, "seq": seq, "hash": head_hash, "anchored_ms": anchored_ms}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
