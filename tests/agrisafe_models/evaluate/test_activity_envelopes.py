"""Edge activity envelopes (start/end sharing a track) become intervals from the clip start."""

from datetime import UTC, datetime, timedelta
from typing import Any

from agrisafe.protocol import ENVELOPE_ADAPTER, Kind
from agrisafe.protocol.examples import EXAMPLES
from agrisafe_models.evaluate.envelopes import envelopes_to_intervals
from agrisafe_models.evaluate.intervals import Interval

START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def activity(n: int, state: str, track: str, at_s: float, what: str = "spraying") -> Any:
    raw = dict(EXAMPLES[Kind.ACTIVITY])
    raw["id"] = f"0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3b{n:02x}"
    raw["ts"] = (START + timedelta(seconds=at_s)).isoformat()
    raw["body"] = {
        **raw["body"],
        "state": state,
        "track": track,
        "activity": what,
        "plot": "default",
    }
    return ENVELOPE_ADAPTER.validate_python(raw)


def test_start_and_end_pair_by_track() -> None:
    envs = [
        activity(1, "start", "t1", 3.0),
        activity(2, "start", "t2", 4.0, "harvesting"),
        activity(3, "end", "t1", 12.5),
        activity(4, "end", "t2", 9.0, "harvesting"),
    ]
    assert envelopes_to_intervals(envs, START, 30.0) == [
        Interval("spraying", 3.0, 12.5, "default"),
        Interval("harvesting", 4.0, 9.0, "default"),
    ]


def test_unended_start_runs_to_clip_end_and_stray_end_is_ignored() -> None:
    envs = [activity(1, "end", "ghost", 1.0), activity(2, "start", "t1", 20.0)]
    assert envelopes_to_intervals(envs, START, 30.0) == [Interval("spraying", 20.0, 30.0)]


def test_other_kinds_are_ignored() -> None:
    other = ENVELOPE_ADAPTER.validate_python(EXAMPLES[Kind.HARVEST])
    assert envelopes_to_intervals([other], START, 30.0) == []
