"""The replay's arrival times: a line no date can hold is named, not raised deep in a rule."""

import json

import pytest

from cloud.replay.driver import arrival_ms, arrival_problem


def line(**times: str) -> bytes:
    return json.dumps({"v": 1, "id": "x", "kind": "input_use", **times}).encode()


@pytest.mark.parametrize(
    ("times", "key"),
    [
        ({"ts": "9999-12-31T23:59:59Z"}, "ts"),
        ({"ts": "9999-12-31T23:59:59-12:00"}, "ts"),  # year 10000 in UTC
        ({"ts": "0001-01-01T00:00:00+14:00"}, "ts"),  # year 0 in UTC
        ({"ts": "2026-05-01T08:00:00+08:00", "at": "9999-12-31T23:59:59Z"}, "at"),
        ({"ts": "1969-12-31T23:59:59Z"}, "ts"),
    ],
)
def test_an_arrival_outside_the_replayable_years_is_named(times: dict[str, str], key: str) -> None:
    problem = arrival_problem(line(**times))
    assert problem is not None
    assert problem.startswith(f"{key} {times[key]}: outside the years 1970 to 2199")


@pytest.mark.parametrize(
    "times",
    [
        {"ts": "2026-05-01T08:00:00+08:00"},
        {"ts": "2199-12-31T23:59:59Z"},
        # a far event time with a sane arrival is ingest's to quarantine (event_time), as live
        {"ts": "9999-12-31T23:59:59Z", "at": "2026-05-01T08:00:00+08:00"},
        {"ts": "not a time"},
        {},
    ],
)
def test_other_lines_are_left_to_ingest(times: dict[str, str]) -> None:
    assert arrival_problem(line(**times)) is None


def test_arrival_prefers_at() -> None:
    got = arrival_ms(line(ts="2026-05-01T00:00:00Z", at="2026-05-02T00:00:00Z"))
    assert got == 1777680000000
