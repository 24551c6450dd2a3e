"""decode(): every reason a received message can be refused, named."""

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe.protocol import EnvelopeBase, Kind, QuarantineReason
from cloud.domain import Incoming, Rejection, Source
from cloud.ingest.decode import decode
from testkit.messages import encode, message, topic_of


def _mqtt(payload: bytes, topic: str | None) -> Incoming:
    return Incoming(payload=payload, topic=topic, source=Source.MQTT, received_ms=0)


def test_valid_message_decodes() -> None:
    env = message(Kind.RAPID_TEST)
    result = decode(_mqtt(encode(env), topic_of(env)))
    assert isinstance(result, EnvelopeBase)
    assert result.id == env["id"]


def test_http_messages_have_no_topic_to_check() -> None:
    env = message(Kind.HARVEST)
    assert isinstance(decode(_mqtt(encode(env), None)), EnvelopeBase)


@pytest.mark.parametrize(
    ("payload", "topic", "reason", "field"),
    [
        (b"{not json", "agrisafe/v1/S/D/harvest", QuarantineReason.BAD_JSON, "json"),
        (b'{"v": 1}', "agrisafe/v1/S/D/harvest", QuarantineReason.SCHEMA, "kind"),
        (b"{}", "agrisafe/v2/S/D/harvest", QuarantineReason.UNKNOWN_TOPIC, "topic"),
        (b"{}", "agrisafe/v1/S/D/weather", QuarantineReason.UNKNOWN_TOPIC, "topic"),
        (b"{}", "agrisafe/v1/S/D/cmd/reboot", QuarantineReason.UNKNOWN_TOPIC, "topic"),
    ],
)
def test_rejections_name_reason_and_field(
    payload: bytes, topic: str, reason: QuarantineReason, field: str
) -> None:
    result = decode(_mqtt(payload, topic))
    assert isinstance(result, Rejection)
    assert result.reason is reason
    assert field in {p.field for p in result.problems}


def test_oversized_payload() -> None:
    result = decode(_mqtt(b"x" * 2000, "agrisafe/v1/S/D/harvest"), max_bytes=1024)
    assert isinstance(result, Rejection)
    assert result.reason is QuarantineReason.TOO_LARGE


@pytest.mark.parametrize("part", ["site", "device", "kind"])
def test_topic_envelope_mismatch(part: str) -> None:
    env = message(Kind.HARVEST)
    other = dict(env) | {part: "rapid_test" if part == "kind" else "OTHER"}
    result = decode(_mqtt(encode(env), topic_of(other)))
    assert isinstance(result, Rejection)
    assert result.reason is QuarantineReason.TOPIC_MISMATCH
    assert {p.field for p in result.problems} == {part}
    assert result.message_id == env["id"]


def test_rejection_keeps_the_id_when_it_can_be_read() -> None:
    env = message(Kind.HARVEST)
    env["body"]["qty_kg"] = -1
    result = decode(_mqtt(orjson.dumps(env), topic_of(env)))
    assert isinstance(result, Rejection)
    assert result.message_id == env["id"]
    assert "body.qty_kg" in result.detail


@given(st.binary(max_size=300), st.text(max_size=60))
def test_decode_never_raises(payload: bytes, topic: str) -> None:
    result = decode(_mqtt(payload, topic))
    assert isinstance(result, Rejection | EnvelopeBase)
