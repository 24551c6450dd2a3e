"""The cloud's signed daily anchors: each day, each site's chain head signed with the cloud key.

A store writer who rewrites a record *and* recomputes every later link leaves a consistent
chain; the anchor, signed with a key the database does not hold, still names the old head — but
only while the anchor itself survives, and the database writer can delete its row. So each round
also hands the anchors it signed to an `AnchorSink` (cloud/chain/anchorlog.py: an append-only file
outside the database) before the transaction commits: if that write fails, nothing is committed
and the next round tries again.
"""

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine, select

from agrisafe.identity import SigningKey, key_id
from agrisafe.timeutil import Clock
from agrisafe.worker import BackgroundWorker
from cloud.chain.hashing import anchor_document
from cloud.store import trust_tables as tt
from cloud.store.sql import insert_ignore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Anchor:
    """One signed head."""

    site: str
    day: str
    seq: int
    hash: str
    anchored_ms: int
    key_id: str
    signature: str


class AnchorSink(Protocol):
    """Where signed anchors are kept besides the database (the anchor log)."""

    def append(self, anchors: Sequence[Anchor]) -> None:
        """Keep `anchors` durably; raise if they could not be kept."""


def utc_day(ms: int) -> str:
    """YYYY-MM-DD of a millisecond timestamp, UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def sign_anchor(key: SigningKey, site: str, seq: int, head: str, now_ms: int) -> Anchor:
    """An anchor of `site`'s head at `seq`, signed now."""
    day = utc_day(now_ms)
    raw = key.sign(anchor_document(site, day, seq, head, now_ms))
    value = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return Anchor(site, day, seq, head, now_ms, key_id(key), value)


def anchor_sites(
    engine: Engine, key: SigningKey, now_ms: int, log: AnchorSink | None = None
) -> list[Anchor]:
    """Anchor every site's head once for the day of `now_ms`; return the anchors written.

    The new anchors go to `log` inside the transaction, so a row commits only once its copy is
    kept outside the database.
    """
    day = utc_day(now_ms)
    h, a = tt.chain_heads.c, tt.chain_anchors.c
    written: list[Anchor] = []
    with engine.begin() as conn:
        done = set(conn.execute(select(a.site).where(a.day == day)).scalars())
        heads = conn.execute(select(h.site, h.seq, h.hash).where(h.seq > 0)).all()
        for site, seq, head in heads:
            if site in done:
                continue
            anchor = sign_anchor(key, site, int(seq), str(head), now_ms)
            # RETURNING says whether this row was stored or another instance won the race
            # (psycopg's rowcount does not), so only the stored anchor goes to the log.
            stmt = insert_ignore(conn, tt.chain_anchors, ["site", "day"]).returning(a.site)
            if conn.execute(stmt, _row(anchor)).first() is not None:
                written.append(anchor)
        if written and log is not None:
            log.append(written)
    return written


def _row(anchor: Anchor) -> dict[str, object]:
    return {
        "site": anchor.site,
        "day": anchor.day,
        "seq": anchor.seq,
        "hash": anchor.hash,
        "anchored_ms": anchor.anchored_ms,
        "key_id": anchor.key_id,
        "signature": anchor.signature,
    }


class AnchorWorker(BackgroundWorker):
    """Anchors each site's head once a day (checks every `interval_s`)."""

    def __init__(
        self,
        engine: Engine,
        key: SigningKey,
        *,
        interval_s: float = 600.0,
        clock: Clock | None = None,
        log: AnchorSink | None = None,
    ) -> None:
        super().__init__("chain-anchor")
        self.engine, self.key, self.interval_s = engine, key, interval_s
        self.clock = clock or Clock()
        self.log = log

    def run(self) -> None:
        """Anchor, sleep, repeat; a failed round is logged and retried next time."""
        while not self.stopping:
            try:
                written = anchor_sites(self.engine, self.key, self.clock.now_ms(), self.log)
                if written:
                    logger.info("chain: anchored %d site head(s)", len(written))
            except Exception:
                logger.exception("chain: anchoring failed; retrying next round")
            if self.sleep(self.interval_s):
                return
