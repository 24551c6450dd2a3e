"""The timer rule (unrecorded_spraying), pure: arm on an activity end; when the clock passes
end + grace, the spray window to check; when an input_use turns up afterwards, which fired
timers it covers. `cloud.engine.timers` reads and settles the timers.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from agrisafe.protocol import ActivityEnvelope, ActivityState, ActivityType, Envelope
from agrisafe.timeutil import format_rfc3339, to_ms
from cloud.rules.config import RulesConfig
from cloud.rules.facts import Application
from cloud.rules.spraying import SprayWindow, evidence_media, review_reasons

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


def latest_start(
    timer: Mapping[str, Any], activities: Iterable[tuple[str, int, dict[str, Any]]]
) -> tuple[str, int] | None:
    """The latest spraying `start` of the timer's track among stored activities (id, ms)."""
    best: tuple[str, int] | None = None
    for _kind, ts_ms, env in activities:
        body = env["body"]
        is_start = body.get("state") == "start" and body.get("activity") == "spraying"
        if is_start and body.get("track") == timer["track"] and (best is None or ts_ms > best[1]):
            best = (env["id"], ts_ms)
    return best


def start_window_ms(timer: Mapping[str, Any], cfg: RulesConfig) -> tuple[int, int]:
    """Where to look for the timer's start: activity_max_h before its end, up to the end."""
    end_ms = int(timer["end_ms"])
    return end_ms - int(cfg.activity_max_h * 3_600_000), end_ms


def activity_bodies(
    timer: Mapping[str, Any],
    start: tuple[str, int] | None,
    activities: Iterable[tuple[str, int, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The bodies of the timer's start (when found) and end messages among stored activities."""
    ids = {timer["id"]} | ({start[0]} if start else set())
    return [env["body"] for _kind, _ts, env in activities if env.get("id") in ids]


def spray_window(
    timer: Mapping[str, Any],
    start: tuple[str, int] | None,
    bodies: Iterable[Mapping[str, Any]] = (),
    cfg: RulesConfig | None = None,
) -> SprayWindow:
    """The window a fired timer checks for an input_use; with the activity's bodies, why its
    alert needs review (`review_reasons`) and its evidence files."""
    bodies = list(bodies)
    floor = (cfg or RulesConfig()).spraying_confidence_floor
    return SprayWindow(
        site=timer["site"],
        plot=timer["plot"],
        track=timer["track"],
        start_id=start[0] if start else None,
        end_id=timer["id"],
        start_ms=start[1] if start else timer["end_ms"],
        end_ms=timer["end_ms"],
        end_ts=timer["end_ts"],
        grace_ms=timer["grace_ms"],
        review=review_reasons(bodies, floor) if bodies else (),
        media=evidence_media(bodies),
    )


def late_hits(timer: Mapping[str, Any], apps: Iterable[Application]) -> list[str]:
    """Ids of new applications inside a fired timer's window (a late record)."""
    return [
        a.id
        for a in apps
        if (a.site, a.plot) == (timer["site"], timer["plot"])
        and timer["window_from_ms"] <= a.ts_ms <= timer["window_to_ms"]
    ]
