"""Which points a message becomes, and activity durations from start/end pairs."""

import copy

from agrisafe.protocol import ActivityEnvelope, Kind
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.protocol.validation import validate_envelope
from cloud.timeseries.mapping import MEASUREMENTS, duration_point, field_name, points_for


def _env(kind: Kind, **body: object) -> dict[str, object]:
    raw = copy.deepcopy(EXAMPLES[kind])
    raw["body"].update(body)
    return raw


def test_rapid_test_result_is_a_numeric_code_and_a_tag() -> None:
    env = validate_envelope(_env(Kind.RAPID_TEST, result="positive", inhibition_pct=63.5))
    [p] = points_for(env)
    assert p.measurement == "rapid_test"
    assert dict(p.fields) == {"result_code": 2.0, "inhibition_pct": 63.5}
    assert p.tag("result") == "positive"
    assert p.tag("site") == "SX-TG-001"
    assert p.ts_ms == 1777860900000  # 2026-05-04T10:15:00+08:00


def test_telemetry_fields_become_fields_with_safe_names() -> None:
    env = validate_envelope(_env(Kind.TELEMETRY, **{"cpu.temp": 61, "9v": 9.1}))
    [p] = points_for(env)
    fields = dict(p.fields)
    assert fields["fps"] == 5.0
    assert fields["cpu_temp"] == 61.0
    assert fields["f_9v"] == 9.1
    assert field_name("ok_name") == "ok_name"


def test_kinds_without_numbers_make_no_points() -> None:
    for kind in (Kind.INPUT_USE, Kind.TREATMENT, Kind.SAMPLE, Kind.CERTIFICATE_REQUEST):
        assert points_for(validate_envelope(EXAMPLES[kind])) == []


def test_status_harvest_dispatch_and_activity_state() -> None:
    got = {
        p.measurement: dict(p.fields)
        for kind in (Kind.STATUS, Kind.HARVEST, Kind.DISPATCH, Kind.ACTIVITY)
        for p in points_for(validate_envelope(EXAMPLES[kind]))
    }
    assert got == {
        "device_status": {"online": 1.0},
        "harvest": {"qty_kg": 850.0},
        "dispatch": {"qty": 40.0},
        "activity_state": {"active": 1.0, "confidence": 0.91},
    }


def test_duration_of_a_start_end_pair_at_the_start_time() -> None:
    start = validate_envelope(EXAMPLES[Kind.ACTIVITY])
    end_raw = _env(Kind.ACTIVITY, state="end")
    end_raw["id"] = "0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3aff"
    end_raw["ts"] = "2026-05-01T08:20:00+08:00"
    end = validate_envelope(end_raw)
    assert isinstance(start, ActivityEnvelope)
    assert isinstance(end, ActivityEnvelope)
    p = duration_point(start, end)
    assert p is not None
    assert dict(p.fields) == {"duration_s": 450.0}
    assert p.ts_ms == points_for(start)[0].ts_ms
    assert duration_point(end, start) is None  # order matters
    other = validate_envelope(_env(Kind.ACTIVITY, state="end", track="another"))
    assert isinstance(other, ActivityEnvelope)
    assert duration_point(start, other) is None


def test_no_measurement_is_a_prefix_of_another() -> None:
    # Prometheus-style readers select `{measurement}_.+`: prefixes would mix measurements.
    for a in MEASUREMENTS:
        for b in MEASUREMENTS:
            assert a == b or not b.startswith(a + "_")
