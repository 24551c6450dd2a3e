"""Turn the edge's activity envelopes (start/end pairs sharing a track) into intervals."""

from collections.abc import Iterable
from datetime import datetime

from agrisafe.protocol import ActivityEnvelope, ActivityState
from agrisafe_models.evaluate.intervals import Interval


def envelopes_to_intervals(
    envelopes: Iterable[object], start_time: datetime, clip_end_s: float
) -> list[Interval]:
    """Pair `activity` starts and ends by track; an unended start runs to CLIP_END_S.

    Envelope time is event time, so `ts - start_time` is seconds from the clip's first frame.
    Other kinds of envelope are ignored.
    """
    starts: dict[str, tuple[str, str, float]] = {}
    out: list[Interval] = []
    for env in envelopes:
        if not isinstance(env, ActivityEnvelope):
            continue
        body = env.body
        t = (env.ts - start_time).total_seconds()
        if body.state == ActivityState.START:
            starts[body.track] = (str(body.activity), body.plot, t)
        elif body.track in starts:
            activity, plot, t0 = starts.pop(body.track)
            out.append(Interval(activity, t0, max(t0, t), plot))
    for activity, plot, t0 in starts.values():
        out.append(Interval(activity, t0, max(t0, clip_end_s), plot))
    return sorted(out, key=lambda i: (i.start_s, i.activity))
