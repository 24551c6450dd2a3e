"""Which points a stored message becomes (pure). The design is documented in docs/timeseries.md.

- `rapid_test` {site, device, method, analyte, commodity, result}:
  result_code, inhibition_pct, t_c_ratio
- `activity_state` {site, device, plot, activity}: active (1 start / 0 end), confidence
- `activity_duration` {site, device, plot, activity}: duration_s, stamped at the start
- `telemetry` {site, device}: every numeric body field
- `device_status` {site, device}: online (1 / 0)
- `harvest` {site, plot, crop}: qty_kg
- `dispatch` {site, herd, species, product}: qty

No measurement name is another's prefix followed by `_`, so that Prometheus-style readers
(VictoriaMetrics names a series `{measurement}_{field}`) can select one measurement exactly.
"""

import re

from agrisafe.protocol import (
    ActivityEnvelope,
    ActivityState,
    DeviceState,
    DispatchEnvelope,
    Envelope,
    HarvestEnvelope,
    RapidTestEnvelope,
    StatusEnvelope,
    TelemetryEnvelope,
    TestResult,
)
from agrisafe.timeutil import to_ms
from cloud.timeseries.points import Point, make_point

RESULT_CODES: dict[TestResult, int] = {
    TestResult.NEGATIVE: 0,
    TestResult.SUSPICIOUS: 1,
    TestResult.POSITIVE: 2,
    TestResult.INVALID: 3,
}
MEASUREMENTS = (
    "rapid_test",
    "activity_state",
    "activity_duration",
    "telemetry",
    "device_status",
    "harvest",
    "dispatch",
)
_FIELD_NAME = re.compile(r"[^A-Za-z0-9_]")


def field_name(key: str) -> str:
    """A telemetry key as a field name that is also a valid Prometheus metric suffix."""
    cleaned = _FIELD_NAME.sub("_", key)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"f_{cleaned}"


def points_for(env: Envelope) -> list[Point]:
    """The points of one message (activity durations need its partner: see `duration_point`)."""
    ts = to_ms(env.ts)
    base = {"site": env.site, "device": env.device}
    point: Point | None = None
    if isinstance(env, RapidTestEnvelope):
        b = env.body
        tags = base | {
            "method": b.method.value,
            "analyte": b.analyte,
            "commodity": b.commodity,
            "result": b.result.value,
        }
        fields = {
            "result_code": float(RESULT_CODES[b.result]),
            "inhibition_pct": b.inhibition_pct,
            "t_c_ratio": b.t_c_ratio,
        }
        point = make_point("rapid_test", dict(tags), fields, ts)
    elif isinstance(env, ActivityEnvelope):
        b2 = env.body
        tags = base | {"plot": b2.plot, "activity": b2.activity.value}
        active = 1.0 if b2.state is ActivityState.START else 0.0
        point = make_point(
            "activity_state", dict(tags), {"active": active, "confidence": b2.confidence}, ts
        )
    elif isinstance(env, TelemetryEnvelope):
        extra = env.body.model_extra or {}
        fields = {field_name(k): float(v) for k, v in extra.items() if _is_number(v)}
        point = make_point("telemetry", dict(base), fields, ts)
    elif isinstance(env, StatusEnvelope):
        online = 1.0 if env.body.state is DeviceState.ONLINE else 0.0
        point = make_point("device_status", dict(base), {"online": online}, ts)
    elif isinstance(env, HarvestEnvelope):
        b3 = env.body
        point = make_point(
            "harvest",
            {"site": env.site, "plot": b3.plot, "crop": b3.crop},
            {"qty_kg": b3.qty_kg},
            ts,
        )
    elif isinstance(env, DispatchEnvelope):
        b4 = env.body
        tags2 = {
            "site": env.site,
            "herd": b4.herd,
            "species": b4.species.value,
            "product": b4.product.value,
        }
        point = make_point("dispatch", tags2, {"qty": b4.qty}, ts)
    return [point] if point is not None else []


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def duration_point(start: ActivityEnvelope, end: ActivityEnvelope) -> Point | None:
    """`activity_duration` of a start/end pair of one track, stamped at the start.

    None when they do not pair (other track, site or states) or the end precedes the start.
    """
    s, e = start.body, end.body
    if (
        s.state is not ActivityState.START
        or e.state is not ActivityState.END
        or s.track != e.track
        or start.site != end.site
    ):
        return None
    seconds = (to_ms(end.ts) - to_ms(start.ts)) / 1000
    if seconds < 0:
        return None
    tags = {
        "site": start.site,
        "device": start.device,
        "plot": s.plot,
        "activity": s.activity.value,
    }
    return make_point("activity_duration", dict(tags), {"duration_s": seconds}, to_ms(start.ts))
