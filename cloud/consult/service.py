"""Consultation cases: a producer or inspector opens one, experts of the region answer in a
thread with a structured diagnosis checked against the reference data, then someone closes it.

Scoped exactly as the API: a case belongs to a site, so callers see it when they see the site
(`Caller.sees`). Each change is audited, sent to the region's webhooks (event
`consultation`) and shows on the live consultation stream (which reads `updated_ms`).
"""

from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import Engine

from agrisafe.ids import new_id
from agrisafe.timeutil import Clock
from cloud.access import Caller, Conflict, NotFound, Rejected, audited
from cloud.consult.check import Checked, Recommendation, check_crop, check_herd
from cloud.reference.provider import ReferenceProvider
from cloud.store import consult as store
from cloud.store import webhooks

OPENERS = frozenset({"producer", "inspector", "admin"})
REPLIERS = frozenset({"producer", "inspector", "expert", "admin"})
EXPERTS = frozenset({"expert", "admin"})
OPEN, ANSWERED, CLOSED = "open", "answered", "closed"


@dataclass(frozen=True, slots=True)
class CaseDraft:
    """What the opener says."""

    site: str
    symptoms: str
    crop: str | None = None
    plot: str | None = None
    herd: str | None = None
    species: str | None = None
    location: dict[str, Any] | None = None
    attachments: tuple[str, ...] = ()
    harvest_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A message in the thread; `diagnosis` only from experts."""

    body: str
    attachments: tuple[str, ...] = ()
    diagnosis: Recommendation | None = None
    confirm_flags: bool = False


class Flagged(Conflict):
    """The recommendation violates a PHI, withdrawal or ban; the sender must confirm it."""

    def __init__(self, checked: Checked) -> None:
        super().__init__("; ".join(f["message"] for f in checked.flags))
        self.checked = checked


class ConsultService:
    """Cases and threads over the store, with the reference data for the checks."""

    def __init__(self, engine: Engine, reference: ReferenceProvider, clock: Clock | None = None):
        self.engine = engine
        self.reference = reference
        self.clock = clock or Clock()

    def open(self, caller: Caller, region: str, draft: CaseDraft) -> dict[str, Any]:
        """A new case for a site the caller sees (in `region`)."""
        if caller.role not in OPENERS:
            raise Rejected(f"a {caller.role} may not open a consultation")
        if not caller.sees(draft.site, region):
            raise NotFound(f"no site {draft.site!r} in scope")
        if (draft.crop is None) == (draft.herd is None):
            raise Rejected("name either a crop or a herd")
        if draft.herd is not None and draft.species is None:
            raise Rejected("a herd case needs the species (pig, cattle, …)")
        if not draft.symptoms.strip():
            raise Rejected("describe the symptoms")
        now = self.clock.now_ms()
        row: dict[str, Any] = {
            "id": new_id(now),
            "site": draft.site,
            "region": region,
            "opened_by": caller.name,
            "opened_role": str(caller.role),
            "subject_kind": "crop" if draft.crop is not None else "herd",
            "crop": draft.crop,
            "plot": draft.plot,
            "herd": draft.herd,
            "species": draft.species,
            "symptoms": draft.symptoms,
            "location": draft.location,
            "attachments": list(draft.attachments),
            "harvest_ms": draft.harvest_ms,
            "status": OPEN,
            "opened_ms": now,
            "updated_ms": now,
        }
        with self.engine.begin() as conn:
            store.insert_case(conn, row)
            audited(conn, caller, "consultation.open", row["id"], {"site": draft.site}, now)
            self._notify(conn, row, "opened", now)
        return row

    def get(self, caller: Caller, case_id: str) -> dict[str, Any]:
        """A case in scope with its thread."""
        with self.engine.connect() as conn:
            case = store.get_case(conn, case_id)
            if case is None or not caller.sees(case["site"], case["region"]):
                raise NotFound(f"no consultation {case_id!r}")
            return case | {"messages": store.thread(conn, case_id)}

    def check(self, caller: Caller, case_id: str, rec: Recommendation) -> Checked:
        """What the reference data says about a recommendation for this case (nothing sent)."""
        case = self.get(caller, case_id)
        return self._check(case, rec)

    def _check(self, case: dict[str, Any], rec: Recommendation) -> Checked:
        with self.engine.connect() as conn:
            resolver = self.reference.resolver(conn)
        now = self.clock.now_ms()
        if case["subject_kind"] == "herd":
            return check_herd(resolver, rec, case["species"] or "", now, case["harvest_ms"])
        return check_crop(resolver, rec, case["crop"] or "", now, case["harvest_ms"])

    def reply(self, caller: Caller, case_id: str, reply: Reply) -> dict[str, Any]:
        """Append to the thread; an expert's diagnosis answers the case. `Flagged` when the
        recommendation breaks a PHI, withdrawal or ban and the sender has not confirmed it."""
        case = self.get(caller, case_id)
        if caller.role not in REPLIERS:
            raise Rejected(f"a {caller.role} may not reply to a consultation")
        if case["status"] == CLOSED:
            raise Conflict("the consultation is closed")
        if reply.diagnosis is not None and caller.role not in EXPERTS:
            raise Rejected("only an expert gives a diagnosis")
        if not reply.body.strip() and reply.diagnosis is None:
            raise Rejected("an empty reply")
        checked = Checked()
        if reply.diagnosis is not None:
            checked = self._check(case, reply.diagnosis)
            if checked.flags and not reply.confirm_flags:
                raise Flagged(checked)
        now = self.clock.now_ms()
        message: dict[str, Any] = {
            "case_id": case_id,
            "author": caller.name,
            "role": str(caller.role),
            "body": reply.body,
            "attachments": list(reply.attachments),
            "diagnosis": (
                asdict(reply.diagnosis) | {"lookup": checked.lookup}
                if reply.diagnosis is not None
                else None
            ),
            "flags": checked.flags,
            "ts_ms": now,
        }
        answered = caller.role in EXPERTS and case["status"] == OPEN
        with self.engine.begin() as conn:
            message["id"] = store.add_message(conn, message)
            if answered:
                store.set_status(conn, case_id, ANSWERED, now)
            else:
                store.touch(conn, case_id, now)
            detail = {"message": message["id"], "flags": [f["code"] for f in checked.flags]}
            audited(conn, caller, "consultation.reply", case_id, detail, now)
            status = ANSWERED if answered else case["status"]
            self._notify(conn, case | {"status": status}, "answered" if answered else "reply", now)
        return message

    def close(self, caller: Caller, case_id: str, reason: str) -> dict[str, Any]:
        """Close a case (its opener, an expert or an admin)."""
        case = self.get(caller, case_id)
        if caller.role not in EXPERTS and caller.name != case["opened_by"]:
            raise Rejected("only the opener, an expert or an admin closes a consultation")
        if case["status"] == CLOSED:
            raise Conflict("already closed")
        now = self.clock.now_ms()
        with self.engine.begin() as conn:
            store.set_status(conn, case_id, CLOSED, now)
            audited(conn, caller, "consultation.close", case_id, {"reason": reason}, now)
            self._notify(conn, case | {"status": CLOSED}, "closed", now)
        return case | {"status": CLOSED, "updated_ms": now}

    def listing(
        self,
        caller: Caller,
        regions: frozenset[str] | None,
        sites: frozenset[str] | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, page) of cases in the caller's scope."""
        del caller
        with self.engine.connect() as conn:
            return store.list_cases(
                conn, regions=regions, sites=sites, status=status, limit=limit, offset=offset
            )

    def changed_since(
        self, since_ms: int, regions: frozenset[str] | None, sites: frozenset[str] | None
    ) -> list[dict[str, Any]]:
        """Cases in scope changed after `since_ms` (the live stream polls this)."""
        with self.engine.connect() as conn:
            return store.changed_since(conn, since_ms, regions, sites)

    @staticmethod
    def _notify(conn: Any, case: dict[str, Any], what: str, now: int) -> None:
        payload = {
            "event": f"consultation.{what}",
            "id": case["id"],
            "site": case["site"],
            "region": case["region"],
            "status": case["status"],
            "ts_ms": now,
        }
        webhooks.enqueue_event(
            conn, f"consult:{case['id']}:{now}", case["region"], orjson.dumps(payload).decode(), now
        )
