"""Runner of the timer rule (unrecorded_spraying): arm on an activity end, fire when the
clock passes end + grace, resolve with `late_record` when the input_use turns up afterwards.

The clock is the cloud's in normal operation (a periodic tick) and the simulated one in replay.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from agrisafe.protocol import ActivityEnvelope, ActivityState, ActivityType, Envelope
from agrisafe.timeutil import format_rfc3339, to_ms
from cloud.rules.config import RulesConfig
from cloud.rules.facts import Application
from cloud.rules.spraying import LATE_RECORD, SprayWindow, covered, unrecorded_spraying
from cloud.rules.types import AlertDraft, Resolution
from cloud.store import locks
from cloud.store import timers as store

RULE = "unrecorded_spraying"


def arm_rows(new: Iterable[Envelope], cfg: RulesConfig) -> list[dict[str, object]]:
    """Timer rows for the spraying activities that ended in this batch."""
    grace_ms = int(cfg.spraying_grace_h * 3_600_000)
    rows: list[dict[str, object]] = []
    for env in new:
        if not isinstance(env, ActivityEnvelope):
            continue
        b = env.body
        if b.activity is not ActivityType.SPRAYING or b.state is not ActivityState.END:
            continue
        end_ms = to_ms(env.ts)
        rows.append(
            {
                "id": env.id,
                "rule": RULE,
                "site": env.site,
                "plot": b.plot,
                "device": env.device,
                "track": b.track,
                "end_ms": end_ms,
                "end_ts": format_rfc3339(env.ts),
                "grace_ms": grace_ms,
                "due_ms": end_ms + grace_ms,
                "status": "pending",
            }
        )
    return rows


def _start_of(conn: Connection, timer: dict[str, Any], cfg: RulesConfig) -> tuple[str, int] | None:
    """The latest `start` of the timer's track before its end (within activity_max_h)."""
    end_ms = int(timer["end_ms"])
    lo = end_ms - int(cfg.activity_max_h * 3_600_000)
    best: tuple[str, int] | None = None
    for _kind, ts_ms, env in store.activities(conn, timer["site"], timer["plot"], lo, end_ms):
        body = env["body"]
        is_start = body.get("state") == "start" and body.get("activity") == "spraying"
        if is_start and body.get("track") == timer["track"] and (best is None or ts_ms > best[1]):
            best = (env["id"], ts_ms)
    return best


def fire_due(conn: Connection, now_ms: int, cfg: RulesConfig) -> list[AlertDraft]:
    """Settle every timer the clock has passed; drafts for those no input_use covers."""
    drafts: list[AlertDraft] = []
    due = store.due(conn, now_ms)
    # Serialise with ingest of input_use on the same plots (a late record racing the timer).
    locks.lock(conn, [locks.key_of("plot", t["site"], t["plot"]) for t in due])
    for timer in due:
        start = _start_of(conn, timer, cfg)
        window = SprayWindow(
            site=timer["site"],
            plot=timer["plot"],
            track=timer["track"],
            start_id=start[0] if start else None,
            end_id=timer["id"],
            start_ms=start[1] if start else timer["end_ms"],
            end_ms=timer["end_ms"],
            end_ts=timer["end_ts"],
            grace_ms=timer["grace_ms"],
        )
        times = store.input_times(conn, window.site, window.plot, window.from_ms, window.to_ms)
        bounds = {
            "start_id": window.start_id,
            "window_from_ms": window.from_ms,
            "window_to_ms": window.to_ms,
        }
        if covered(window, times):
            store.settle(conn, timer["id"], "covered", **bounds)
            continue
        draft = unrecorded_spraying(window)
        if store.settle(conn, timer["id"], "fired", alert_key=draft.dedupe_key, **bounds):
            drafts.append(draft)
    return drafts


def late_records(conn: Connection, apps: list[Application]) -> list[Resolution]:
    """Alerts of fired timers that a newly arrived input_use covers after all."""
    if not apps:
        return []
    out: list[Resolution] = []
    for timer in store.fired_on(conn, {(a.site, a.plot) for a in apps}):
        hits = [
            a.id
            for a in apps
            if (a.site, a.plot) == (timer["site"], timer["plot"])
            and timer["window_from_ms"] <= a.ts_ms <= timer["window_to_ms"]
        ]
        if hits and timer["alert_key"]:
            store.mark_late_record(conn, timer["id"])
            out.append(Resolution(timer["alert_key"], LATE_RECORD, tuple(hits)))
    return out
