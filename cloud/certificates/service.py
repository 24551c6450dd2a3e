"""Certificate decisions and revocations inside the ingest transaction (thin I/O around
`decide`): one row per request (issued or refused), a `certificate_refused` alert per refusal,
a `certificate_revoked` alert when a later fact blocks an issued certificate's lot."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, insert, select, tuple_, update

from agrisafe.ids import new_id
from agrisafe.protocol import Rule
from agrisafe.timeutil import from_ms, parse_rfc3339
from cloud.certificates import decide
from cloud.credit.policy import CreditPolicy
from cloud.domain import AlertDraft, LotBlock
from cloud.rules.facts import Dispatch, Harvest
from cloud.rules.timecalc import local_date
from cloud.rules.timelines import CertCase
from cloud.store import compliance_tables as ct
from cloud.store import credit, lots, sites


def _unit(
    conn: Connection, directory: sites.SiteDirectory, origin: tuple[Harvest | Dispatch, ...]
) -> str | None:
    if not origin:
        return None
    f = origin[0]
    if isinstance(f, Harvest):
        return directory.unit(conn, f.site, f.plot, None)
    return directory.unit(conn, f.site, None, f.herd)


def decide_cases(
    conn: Connection,
    cases: Iterable[CertCase],
    policy: CreditPolicy,
    directory: sites.SiteDirectory,
    tz_of: Callable[[str], tzinfo],
    now_ms: int,
) -> list[AlertDraft]:
    """Issue or refuse each request; return `certificate_refused` drafts.

    Runs in the transaction that stored the requests: a request is new exactly once, so it is
    decided exactly once (a batch redelivered after a crash before commit left nothing).
    """
    cases = list(cases)
    if not cases:
        return []
    all_blocks = lots.blocks_for(conn, [(c.request.site, c.request.lot) for c in cases])
    producers = {c.request.site: directory.producer(conn, c.request.site) for c in cases}
    standing = credit.standings(conn, sorted({p for p in producers.values() if p}))
    black = {
        p: policy.blacklisted(policy.score([total]), manual)
        for p, (total, manual) in standing.items()
    }
    rows: list[dict[str, Any]] = []
    drafts: list[AlertDraft] = []
    for case in cases:
        req = case.request
        site = directory.site(conn, req.site)
        producer = producers[req.site]
        blocks = all_blocks.get((req.site, req.lot), [])
        reasons = decide.refusal_reasons(
            bool(case.origin),
            blocks,
            black.get(producer, False) if producer else False,
            case.unverified,
        )
        number = new_id(now_ms)
        facts = decide.CertificateFacts(
            number=number,
            commodity=req.commodity,
            qty_kg=req.qty_kg,
            lot=req.lot,
            basis=req.basis,
            issued_on=local_date(req.ts_ms, tz_of(req.site)).isoformat(),
        )
        body = decide.content(
            facts,
            site=site,
            origin_unit=_unit(conn, directory, case.origin),
            compliance=case.compliance,
        )
        rows.append(
            {
                "id": number,
                "request_id": req.id,
                "site": req.site,
                "region": site["region"],
                "lot": req.lot,
                "status": "refused" if reasons else "issued",
                "reasons": reasons,
                "commodity": req.commodity,
                "qty_kg": req.qty_kg,
                "basis": list(req.basis),
                "producer": producer,
                "content": body,
                "requested_ms": req.ts_ms,
                "decided_ms": now_ms,
            }
        )
        if reasons:
            evidence = (req.id, *dict.fromkeys(r["cause"] for r in reasons if "cause" in r))
            detail = {"reasons": reasons, "commodity": req.commodity, "qty_kg": req.qty_kg}
            drafts.append(
                AlertDraft(
                    Rule.CERTIFICATE_REFUSED,
                    req.site,
                    f"lot:{req.lot}",
                    req.id,
                    req.when(),
                    evidence,
                    detail,
                )
            )
    conn.execute(insert(ct.certificates), rows)
    return drafts


def revoke_for(
    conn: Connection,
    newly_blocked: set[tuple[str, str]],
    blocks: list[LotBlock],
    now_ms: int,
    held: Mapping[tuple[str, str], Sequence[tuple[str, str]]] | None = None,
) -> list[AlertDraft]:
    """Revoke issued certificates of lots this batch blocked, or left unchecked (`held`: a late
    input no reference data can check, as (id, event time) per lot: refused had it come in
    order); return `certificate_revoked`."""
    held = held or {}
    causes: dict[tuple[str, str], dict[str, str | None]] = defaultdict(dict)
    for b in blocks:
        if (b.site, b.lot) in newly_blocked:
            causes[(b.site, b.lot)][b.cause] = b.cause_ts
    for key, inputs in held.items():
        causes[key].update(inputs)
    if not causes:
        return []
    c = ct.certificates.c
    issued = conn.execute(
        select(ct.certificates).where(
            c.status == "issued", tuple_(c.site, c.lot).in_(sorted(causes))
        )
    ).mappings()
    drafts: list[AlertDraft] = []
    for cert in [dict(r) for r in issued]:
        key = (cert["site"], cert["lot"])
        stored = lots.blocks_for(conn, [key])
        reasons = decide.block_reasons(stored.get(key, []))
        reasons += [
            {"reason": decide.Refusal.UNVERIFIED_INPUT.value, "cause": i}
            for i, _ts in held.get(key, ())
        ]
        conn.execute(
            update(ct.certificates)
            .where(c.id == cert["id"], c.status == "issued")
            .values(status="revoked", revoked_ms=now_ms, reasons=reasons)
        )
        mine = causes[key]
        # The revocation happens at the event time of the latest fact that blocked the lot.
        when = max((ts for ts in mine.values() if ts), key=parse_rfc3339, default=None)
        drafts.append(
            AlertDraft(
                Rule.CERTIFICATE_REVOKED,
                cert["site"],
                f"lot:{cert['lot']}",
                cert["id"],
                parse_rfc3339(when) if when else from_ms(cert["requested_ms"]),
                (cert["request_id"], *mine),
                {"certificate": cert["id"], "reasons": reasons},
            )
        )
    return drafts


def get(conn: Connection, cert_id: str) -> dict[str, Any] | None:
    """One certificate row."""
    row = conn.execute(select(ct.certificates).where(ct.certificates.c.id == cert_id)).mappings()
    found = row.first()
    return dict(found) if found is not None else None
