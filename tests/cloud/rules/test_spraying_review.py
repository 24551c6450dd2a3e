"""Abstention: an unrecorded_spraying the video cannot vouch for is a `warning` "needs review"
(uncommissioned camera, unverified cue, out-of-domain frames, confidence below the floor)."""

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloud.rules.spraying import evidence_media, review_reasons
from testkit.compliance import Bench, env

GEO = {"lat": 37.43, "lon": 112.56, "fix": "fixed"}
MODEL = {"name": "agri-activity", "version": "1.0.0"}
SHA = "ab" * 32


def body(**extra: Any) -> dict[str, Any]:
    return {"activity": "spraying", "plot": "P2", "confidence": 0.9, "track": "T1", **extra}


def test_a_trusted_activity_needs_no_review() -> None:
    trusted = body(verified=True, out_of_domain=False, commissioned=True)
    assert review_reasons([trusted, trusted], 0.5) == ()


def test_fields_an_older_sender_did_not_state_are_no_reason() -> None:
    assert review_reasons([body()], 0.5) == ()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"commissioned": False}, "uncommissioned_camera"),
        ({"verified": False}, "unverified_cue"),
        ({"out_of_domain": True}, "out_of_domain"),
        ({"confidence": 0.49}, "low_confidence"),
        ({"confidence": None}, "low_confidence"),
        ({"confidence": True}, "low_confidence"),
    ],
)
def test_each_doubt_is_a_reason(extra: dict[str, Any], reason: str) -> None:
    assert review_reasons([body(), body(**extra)], 0.5) == (reason,)


@given(st.dictionaries(st.text(max_size=12), st.none() | st.booleans() | st.floats() | st.text()))
def test_any_body_gives_known_reasons_only(junk: dict[str, Any]) -> None:
    known = {"uncommissioned_camera", "unverified_cue", "out_of_domain", "low_confidence"}
    assert set(review_reasons([junk], 0.5)) <= known
    assert evidence_media([junk, {"evidence": junk}]) == ()


def test_evidence_media_lists_each_file_once() -> None:
    ref = {"sha256": SHA, "media": "image/jpeg", "uri": "x"}
    assert evidence_media([{"evidence": [ref]}, {"evidence": [ref, {"sha256": 3}]}]) == (SHA,)


@pytest.fixture
def bench(database_url: str) -> Iterator[Bench]:
    b = Bench(database_url)
    yield b
    b.close()


def activity(ts: str, state: str, **extra: Any) -> dict[str, Any]:
    b = body(state=state, model=MODEL, **extra)
    return env("activity", ts, b, device="cam-01", geo=GEO)


def test_an_unverified_spraying_is_a_warning_with_its_reasons_and_evidence(bench: Bench) -> None:
    ref = {"sha256": SHA, "media": "image/jpeg", "uri": f"sha256:{SHA}"}
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", verified=False, evidence=[ref]),
        activity("2026-05-01T09:00:00+08:00", "end", commissioned=False, confidence=0.3),
    )
    [alert] = bench.advance("2026-05-03T00:00:00+08:00")
    assert (alert.rule.value, alert.severity.value) == ("unrecorded_spraying", "warning")
    assert alert.detail["needs_review"] is True
    assert alert.detail["review_reasons"] == [
        "low_confidence",
        "uncommissioned_camera",
        "unverified_cue",
    ]
    assert alert.detail["media"] == [SHA]
    assert len(alert.evidence) == 2


def test_a_trusted_spraying_stays_major(bench: Bench) -> None:
    trusted = {"verified": True, "out_of_domain": False, "commissioned": True}
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", **trusted),
        activity("2026-05-01T09:00:00+08:00", "end", **trusted),
    )
    [alert] = bench.advance("2026-05-03T00:00:00+08:00")
    assert alert.severity.value == "major"
    assert "needs_review" not in alert.detail
