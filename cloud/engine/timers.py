"""Runner of the timer rule (unrecorded_spraying): arm rows in the store, fire the due ones
when the clock passes end + grace, resolve with `late_record` when the input_use turns up.

The clock is the cloud's in normal operation (a periodic tick) and the simulated one in replay.
"""

from typing import Any

from sqlalchemy import Connection

from cloud.domain import AlertDraft, Resolution
from cloud.rules.config import RulesConfig
from cloud.rules.facts import Application
from cloud.rules.spraying import LATE_RECORD, covered, unrecorded_spraying
from cloud.rules.timers import (
    activity_bodies,
    late_hits,
    latest_start,
    spray_window,
    start_window_ms,
)
from cloud.store import locks, track_timers
from cloud.store import timers as store


def fire_due(conn: Connection, now_ms: int, cfg: RulesConfig) -> list[AlertDraft]:
    """Settle every timer the clock has passed; drafts for those no input_use covers."""
    drafts: list[AlertDraft] = []
    due = store.due(conn, now_ms)
    # Serialise with ingest of input_use on the same plots (a late record racing the timer).
    locks.lock(conn, [locks.key_of("plot", t["site"], t["plot"]) for t in due])
    for timer in due:
        lo, hi = start_window_ms(timer, cfg)
        acts = store.activities(conn, timer["site"], timer["plot"], lo, hi)
        start = latest_start(timer, acts)
        window = spray_window(timer, start, activity_bodies(timer, start, acts), cfg)
        times = store.input_times(conn, window.site, window.plot, window.from_ms, window.to_ms)
        bounds = {
            "start_id": window.start_id,
            "window_from_ms": window.from_ms,
            "window_to_ms": window.to_ms,
        }
        if covered(window, times):
            store.settle(conn, timer["id"], "covered", **bounds)
            continue
        if _answered_for_track(conn, timer, cfg, bounds):
            continue
        draft = unrecorded_spraying(window)
        if store.settle(conn, timer["id"], "fired", alert_key=draft.dedupe_key, **bounds):
            drafts.append(draft)
    return drafts


def _answered_for_track(
    conn: Connection, timer: dict[str, Any], cfg: RulesConfig, bounds: dict[str, Any]
) -> bool:
    """One alert per activity track: a second `end` of a track whose alert was already raised
    (the edge re-sent it, or the track paused and ended again) settles without a new alert."""
    reach_ms = int(cfg.activity_max_h * 3_600_000)
    sibling = track_timers.fired_sibling(conn, timer, reach_ms)
    if sibling is None:
        return False
    store.settle(conn, timer["id"], "same_track", alert_key=sibling["alert_key"], **bounds)
    return True


def late_records(conn: Connection, apps: list[Application]) -> list[Resolution]:
    """Alerts of fired timers that a newly arrived input_use covers after all."""
    if not apps:
        return []
    out: list[Resolution] = []
    for timer in store.fired_on(conn, {(a.site, a.plot) for a in apps}):
        hits = late_hits(timer, apps)
        if hits and timer["alert_key"]:
            store.mark_late_record(conn, timer["id"])
            out.append(Resolution(timer["alert_key"], LATE_RECORD, tuple(hits)))
    return out
