"""The envelope contract: every example parses; every malformed class names its field."""

import copy
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe.protocol import (
    ContractError,
    Kind,
    QuarantineReason,
    RapidTestEnvelope,
    TestResult,
    canonical_json,
    content_hash,
    parse_envelope,
)
from agrisafe.protocol.examples import EXAMPLES


def _bad(obj: dict[str, Any]) -> ContractError:
    with pytest.raises(ContractError) as info:
        parse_envelope(orjson.dumps(obj))
    return info.value


def _fields(err: ContractError) -> set[str]:
    return {p.field for p in err.problems}


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_example_parses_to_its_type(kind: Kind) -> None:
    env = parse_envelope(orjson.dumps(EXAMPLES[kind]))
    assert env.kind is kind
    assert env.id == EXAMPLES[kind]["id"]
    # Round trip: what we serialise parses back to the same content.
    assert content_hash(parse_envelope(env.to_json())) == content_hash(env)


def test_rapid_test_body_is_typed() -> None:
    env = parse_envelope(orjson.dumps(EXAMPLES[Kind.RAPID_TEST]))
    assert isinstance(env, RapidTestEnvelope)
    assert env.body.result is TestResult.POSITIVE
    assert env.body.inhibition_pct == 63.5


def test_unknown_kind_is_named() -> None:
    err = _bad(EXAMPLES[Kind.RAPID_TEST] | {"kind": "weather"})
    assert err.reason is QuarantineReason.SCHEMA
    assert _fields(err) == {"kind"}
    assert "weather" in str(err)


def test_wrong_version_is_named() -> None:
    assert _fields(_bad(EXAMPLES[Kind.HARVEST] | {"v": 2})) == {"v"}


@pytest.mark.parametrize("field", ["id", "site", "device", "ts", "body"])
def test_missing_envelope_field_is_named(field: str) -> None:
    obj = {k: v for k, v in EXAMPLES[Kind.HARVEST].items() if k != field}
    err = _bad(obj)
    assert field in _fields(err)
    assert "required" in str(err)


def test_missing_body_field_is_named_with_its_path() -> None:
    obj = copy.deepcopy(EXAMPLES[Kind.RAPID_TEST])
    del obj["body"]["result"]
    assert _fields(_bad(obj)) == {"body.result"}


@pytest.mark.parametrize(
    ("ts", "words"),
    [
        ("2026-05-01T08:30:00", "offset"),
        ("2026-05-01 08:30:00+08:00", "RFC 3339"),
        ("01/05/2026 08:30", "RFC 3339"),
        ("2026-13-01T08:30:00Z", "month"),
        (1714523400, "RFC 3339"),
    ],
)
def test_bad_times_are_rejected_with_a_reason(ts: object, words: str) -> None:
    err = _bad(EXAMPLES[Kind.HARVEST] | {"ts": ts})
    assert _fields(err) == {"ts"}
    assert words in str(err)


def test_times_keep_their_offset_and_instant() -> None:
    env = parse_envelope(orjson.dumps(EXAMPLES[Kind.HARVEST] | {"ts": "2026-05-04T07:00:00.5Z"}))
    assert env.ts.utcoffset() is not None
    assert env.ts.timestamp() == pytest.approx(1777878000.5)


def test_unknown_extra_fields_are_kept() -> None:
    obj = copy.deepcopy(EXAMPLES[Kind.HARVEST]) | {"trace": {"hop": 2}}
    obj["body"]["grade"] = "A"
    env = parse_envelope(orjson.dumps(obj))
    dumped = orjson.loads(env.to_json())
    assert dumped["trace"] == {"hop": 2}
    assert dumped["body"]["grade"] == "A"


def test_bad_json_is_its_own_reason() -> None:
    with pytest.raises(ContractError) as info:
        parse_envelope(b'{"v": 1, "id": ')
    assert info.value.reason is QuarantineReason.BAD_JSON


def test_geo_needs_position_unless_no_fix() -> None:
    assert "geo" in _fields(_bad(EXAMPLES[Kind.HARVEST] | {"geo": {"fix": "gps"}}))
    env = parse_envelope(orjson.dumps(EXAMPLES[Kind.HARVEST] | {"geo": {"fix": "none"}}))
    assert env.geo is not None


def test_sample_needs_a_fix() -> None:
    err = _bad(EXAMPLES[Kind.SAMPLE] | {"geo": {"fix": "none"}})
    assert "position fix" in str(err)


def test_telemetry_values_must_be_numbers() -> None:
    err = _bad(EXAMPLES[Kind.TELEMETRY] | {"body": {"fps": "fast"}})
    assert "fps" in str(err)


def test_topic_syntax_cannot_hide_in_ids() -> None:
    assert "site" in _fields(_bad(EXAMPLES[Kind.HARVEST] | {"site": "a/b"}))
    assert "device" in _fields(_bad(EXAMPLES[Kind.HARVEST] | {"device": "#"}))


def test_transport_field_at_is_not_content() -> None:
    a = parse_envelope(orjson.dumps(EXAMPLES[Kind.HARVEST]))
    b = parse_envelope(orjson.dumps(EXAMPLES[Kind.HARVEST] | {"at": "2026-05-05T00:00:00Z"}))
    assert canonical_json(a) == canonical_json(b)
    c = parse_envelope(orjson.dumps(EXAMPLES[Kind.HARVEST] | {"ts": "2026-05-04T07:00:01+08:00"}))
    assert content_hash(a) != content_hash(c)


def _check_clean(data: bytes) -> ContractError | None:
    """Reject with a named problem, or accept something that round-trips unchanged."""
    rejected: ContractError | None = None
    try:
        env = parse_envelope(data)
    except ContractError as err:  # any other exception fails the test
        rejected = err
    if rejected is not None:
        assert rejected.problems, "a rejection must name at least one problem"
        assert rejected.reason in (QuarantineReason.SCHEMA, QuarantineReason.BAD_JSON)
        return rejected
    assert parse_envelope(env.to_json()) == env  # accepted: a real envelope, nothing lost
    return None


@given(st.binary(max_size=512))
def test_random_bytes_never_escape_as_other_errors(data: bytes) -> None:
    _check_clean(data)


def test_garbage_is_rejected_not_accepted() -> None:
    for data in (b"", b"\xff\xfe", b"null", b"[]", b"{}", b'{"v": 1}', b"not json"):
        assert _check_clean(data) is not None, data


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**63 - 1)
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_random_json_values_give_contract_errors(value: object) -> None:
    _check_clean(orjson.dumps(value))


@pytest.mark.parametrize("kind", list(Kind))
def test_accepted_examples_round_trip(kind: Kind) -> None:
    assert _check_clean(orjson.dumps(EXAMPLES[kind])) is None
