"""Certificate decisions and revocations inside the ingest transaction (thin I/O around
`decide`): one row per request (issued or refused), a `certificate_refused` alert per refusal,
a `certificate_revoked` alert when a later fact blocks an issued certificate's lot."""

from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from agrisafe.ids import new_id
from agrisafe.protocol import Rule
from agrisafe.timeutil import parse_rfc3339
from cloud.certificates import decide
from cloud.credit.policy import CreditPolicy
from cloud.rules.facts import Dispatch, Harvest
from cloud.rules.timecalc import local_date
from cloud.rules.timelines import CertCase
from cloud.rules.types import AlertDraft, LotBlock
from cloud.store import compliance_tables as ct
from cloud.store import credit, lots, sites


def producer_blacklisted(conn: Connection, producer: str | None, policy: CreditPolicy) -> bool:
    """Blacklisted by score or by hand (no producer registered: never)."""
    if producer is None:
        return False
    flag = credit.manual_flag(conn, producer)
    score = policy.score(credit.deltas(conn, producer))
    return policy.blacklisted(score, bool(flag and flag["blacklisted"]))


def _origin_unit(conn: Connection, origin: tuple[Harvest | Dispatch, ...]) -> str | None:
    if not origin:
        return None
    first = origin[0]
    if isinstance(first, Harvest):
        return sites.unit_name(conn, first.site, first.plot, None)
    return sites.unit_name(conn, first.site, None, first.herd)


def decide_cases(
    conn: Connection,
    cases: Iterable[CertCase],
    policy: CreditPolicy,
    tz_of: Callable[[str], tzinfo],
    now_ms: int,
) -> list[AlertDraft]:
    """Issue or refuse each request; return `certificate_refused` drafts."""
    drafts: list[AlertDraft] = []
    for case in cases:
        req = case.request
        if conn.execute(
            select(ct.certificates.c.id).where(ct.certificates.c.request_id == req.id)
        ).first():
            continue  # decided already (a redelivered batch after a crash is new again)
        site = sites.site_details(conn, req.site)
        producer = (site.get("producer") or {}).get("id")
        blocks = lots.blocks_for(conn, [(req.site, req.lot)]).get((req.site, req.lot), [])
        reasons = decide.refusal_reasons(
            bool(case.origin), blocks, producer_blacklisted(conn, producer, policy)
        )
        number = new_id(now_ms)
        body = decide.content(
            number=number,
            commodity=req.commodity,
            qty_kg=req.qty_kg,
            lot=req.lot,
            basis=req.basis,
            issued_on=local_date(req.ts_ms, tz_of(req.site)).isoformat(),
            site=site,
            origin_unit=_origin_unit(conn, case.origin),
            compliance=case.compliance,
        )
        conn.execute(
            ct.certificates.insert().values(
                id=number,
                request_id=req.id,
                site=req.site,
                region=site["region"],
                lot=req.lot,
                status="refused" if reasons else "issued",
                reasons=reasons,
                commodity=req.commodity,
                qty_kg=req.qty_kg,
                basis=list(req.basis),
                producer=producer,
                content=body,
                requested_ms=req.ts_ms,
                decided_ms=now_ms,
            )
        )
        if reasons:
            evidence = (req.id, *dict.fromkeys(r["cause"] for r in reasons if "cause" in r))
            drafts.append(
                AlertDraft(
                    Rule.CERTIFICATE_REFUSED,
                    req.site,
                    f"lot:{req.lot}",
                    req.id,
                    req.when(),
                    evidence,
                    {"reasons": reasons, "commodity": req.commodity, "qty_kg": req.qty_kg},
                )
            )
    return drafts


def revoke_for(
    conn: Connection, newly_blocked: set[tuple[str, str]], blocks: list[LotBlock], now_ms: int
) -> list[AlertDraft]:
    """Revoke issued certificates of lots this batch blocked; return `certificate_revoked`."""
    if not newly_blocked:
        return []
    c = ct.certificates.c
    terms = [and_(c.site == s, c.lot == lot) for s, lot in sorted(newly_blocked)]
    issued = conn.execute(
        select(ct.certificates).where(c.status == "issued", or_(*terms))
    ).mappings()
    drafts: list[AlertDraft] = []
    for cert in [dict(r) for r in issued]:
        mine = [b for b in blocks if (b.site, b.lot) == (cert["site"], cert["lot"])]
        stored = lots.blocks_for(conn, [(cert["site"], cert["lot"])])
        reasons = decide.block_reasons(stored.get((cert["site"], cert["lot"]), []))
        conn.execute(
            update(ct.certificates)
            .where(c.id == cert["id"], c.status == "issued")
            .values(status="revoked", revoked_ms=now_ms, reasons=reasons)
        )
        causes = tuple(dict.fromkeys(b.cause for b in mine))
        when = max((b.cause_ts for b in mine if b.cause_ts), key=parse_rfc3339, default=None)
        drafts.append(
            AlertDraft(
                Rule.CERTIFICATE_REVOKED,
                cert["site"],
                f"lot:{cert['lot']}",
                cert["id"],
                parse_rfc3339(when)
                if when
                else parse_rfc3339(cert["content"]["issued_on"] + "T00:00:00Z"),
                (cert["request_id"], *causes),
                {"certificate": cert["id"], "reasons": reasons},
            )
        )
    return drafts


def get(conn: Connection, cert_id: str) -> dict[str, Any] | None:
    """One certificate row."""
    row = conn.execute(select(ct.certificates).where(ct.certificates.c.id == cert_id)).mappings()
    found = row.first()
    return dict(found) if found is not None else None
