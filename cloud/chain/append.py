"""Appends newly stored records to their site's chain, inside the ingest transaction.

Runs as an ingest `StoredRecordSink`: the links commit or roll back with the records. Each site's
head row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite already holds its single write
lock), sites in sorted order so two workers never wait on each other crosswise, then the batch's
records of that site are linked in arrival order.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from cloud.chain.hashing import GENESIS, link_hash
from cloud.domain import StoredRecord
from cloud.store import tables as t
from cloud.store import trust_tables as tt
from cloud.store.sql import insert_ignore


class ChainStage:
    """`StoredRecordSink` that links each stored record into its site's hash chain."""

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        """Link the batch's new records (already inserted on `conn`)."""
        if not stored:
            return
        by_site: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for n, rec in enumerate(stored):
            by_site[rec.envelope.site].append((rec.received_ms, n, rec.envelope.id))
        rows = _rows(conn, [rec.envelope.id for rec in stored])
        for site in sorted(by_site):
            ids = [mid for _ms, _n, mid in sorted(by_site[site])]
            append_site(conn, site, [rows[mid] for mid in ids])


def append_site(conn: Connection, site: str, rows: Sequence[dict[str, Any]]) -> None:
    """Append stored record rows (arrival order) to `site`'s chain under its head lock."""
    seq, prev = lock_head(conn, site)
    links = []
    for row in rows:
        seq += 1
        prev = link_hash(prev, row)
        links.append(
            {
                "site": site,
                "seq": seq,
                "record_id": row["id"],
                "received_ms": row["received_ms"],
                "hash": prev,
            }
        )
    conn.execute(tt.record_chain.insert(), links)
    conn.execute(
        update(tt.chain_heads).where(tt.chain_heads.c.site == site).values(seq=seq, hash=prev)
    )


def lock_head(conn: Connection, site: str) -> tuple[int, str]:
    """(seq, hash) of the site's head, locked until the transaction ends; created at genesis."""
    conn.execute(
        insert_ignore(conn, tt.chain_heads, ["site"]), [{"site": site, "seq": 0, "hash": GENESIS}]
    )
    h = tt.chain_heads.c
    head = conn.execute(select(h.seq, h.hash).where(h.site == site).with_for_update()).one()
    return int(head.seq), str(head.hash)


def _rows(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    # Read back what was stored, so the link covers exactly the bytes the verifier will read.
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in conn.execute(select(t.records).where(t.records.c.id.in_(chunk))).mappings():
            out[row["id"]] = dict(row)
    return out
