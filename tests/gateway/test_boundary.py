"""The site boundary (gateway/boundary.py): what is relayed, what is kept back and why."""

import codecs
from collections.abc import Callable

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agrisafe.identity import SignatureCheck, generate_signing_key, sign_document, verify_document
from agrisafe.protocol import Kind, QuarantineReason
from gateway.boundary import Accepted, BoundaryRules, Rejected, check
from testkit.messages import encode, message, topic_of

SITE = "SX-TG-001"
RX = 1_780_000_000_000
KEY = generate_signing_key()
RULES = BoundaryRules(site=SITE, gateway="gw-1")
STRICT = BoundaryRules(
    site=SITE, gateway="gw-1", signatures_required=True, keys={"rt-01": KEY.public_key()}
)


def _rt() -> dict[str, object]:
    return message(Kind.RAPID_TEST, site=SITE, device="rt-01")


def test_a_good_message_is_stamped_and_keeps_its_content() -> None:
    env = _rt()
    out = check(topic_of(env), encode(env), RX, RULES)
    assert isinstance(out, Accepted)
    assert (out.device, out.message_id) == ("rt-01", env["id"])
    doc = orjson.loads(out.payload)
    assert doc.pop("gw") == {"id": "gw-1", "rx_ms": RX}
    assert doc == env


def test_a_device_may_not_stamp_itself() -> None:
    env = _rt() | {"gw": {"id": "forged", "rx_ms": 1}}
    out = _rejected(topic_of(env), encode(env))
    assert out.reason is QuarantineReason.SCHEMA
    assert "gw" in out.detail


def test_the_stamp_keeps_every_byte_the_device_sent() -> None:
    env = _rt()
    raw = b"  " + orjson.dumps(env, option=orjson.OPT_INDENT_2) + b"\n"
    out = check(topic_of(env), raw, RX, RULES)
    assert isinstance(out, Accepted)
    assert out.payload.startswith(raw.rstrip()[:-1].rstrip())
    assert orjson.loads(out.payload)["gw"]["rx_ms"] == RX


def test_the_stamp_keeps_a_signature_valid() -> None:
    doc = sign_document(_rt(), KEY)
    out = check(topic_of(doc), orjson.dumps(doc), RX, STRICT)
    assert isinstance(out, Accepted)
    assert verify_document(orjson.loads(out.payload), KEY.public_key()) is SignatureCheck.VALID


def _rejected(topic: str, payload: bytes, rules: BoundaryRules = RULES) -> Rejected:
    out = check(topic, payload, RX, rules)
    assert isinstance(out, Rejected), out
    return out


def test_another_sites_message_stays_here() -> None:
    env = message(Kind.RAPID_TEST, site="SX-OTHER", device="rt-01")
    assert _rejected(topic_of(env), encode(env)).reason is QuarantineReason.OUT_OF_SCOPE


def test_envelope_and_topic_must_agree() -> None:
    env = _rt()
    wrong = f"agrisafe/v1/{SITE}/cam-01/rapid_test"
    out = _rejected(wrong, encode(env))
    assert out.reason is QuarantineReason.TOPIC_MISMATCH
    assert out.message_id == env["id"]


def test_garbage_schema_and_unsafe_numbers() -> None:
    topic = f"agrisafe/v1/{SITE}/rt-01/rapid_test"
    assert _rejected(topic, b"\xff\xfe").reason is QuarantineReason.BAD_JSON
    assert _rejected(topic, b'{"v": 1, "x": NaN}').reason is QuarantineReason.UNSAFE_JSON
    big = encode(_rt()).replace(b'"v":1', b'"v":123456789012345678901234567890')
    assert _rejected(topic, big).reason is QuarantineReason.UNSAFE_JSON
    assert _rejected(topic, b'{"x": 1e400}').reason is QuarantineReason.UNSAFE_JSON
    assert _rejected(topic, b"[" * 60_000).reason is QuarantineReason.BAD_JSON
    assert _rejected(topic, b'{"v": 1}').reason is QuarantineReason.SCHEMA
    assert _rejected("not/a/topic", encode(_rt())).reason is QuarantineReason.UNKNOWN_TOPIC
    huge = b"x" * (RULES.max_bytes + 1)
    assert _rejected(topic, huge).reason is QuarantineReason.TOO_LARGE


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("utf-8 with a BOM", lambda text: codecs.BOM_UTF8 + text.encode()),
        ("utf-16-le", lambda text: text.encode("utf-16-le")),
        ("utf-16 with a BOM", lambda text: text.encode("utf-16")),
        ("utf-32", lambda text: text.encode("utf-32")),
    ],
)
def test_only_utf8_without_bom_is_relayed(name: str, encoding: Callable[[str], bytes]) -> None:
    # The stdlib parser reads these; the cloud's (orjson) does not. Accepted, the device would
    # forget a message that the cloud then quarantines: refuse it here, where the device hears.
    env = _rt()
    out = _rejected(topic_of(env), encoding(encode(env).decode()))
    assert out.reason is QuarantineReason.BAD_JSON, name
    assert out.device == "rt-01"


def test_what_orjson_refuses_is_not_relayed() -> None:
    env = _rt()  # a lone surrogate escape in a text field: the stdlib parser takes it
    raw = encode(env).replace(b'"operator":"', b'"operator":"\\ud800', 1)
    assert b"\\ud800" in raw
    assert _rejected(topic_of(env), raw).reason is QuarantineReason.BAD_JSON


def test_every_relayed_payload_parses_as_the_cloud_parses() -> None:
    env = _rt()
    for raw in (encode(env), b"  " + encode(env) + b"\r\n", encode(env).replace(b",", b", ")):
        out = check(topic_of(env), raw, RX, RULES)
        assert isinstance(out, Accepted)
        assert orjson.loads(out.payload)["gw"]["id"] == "gw-1"


def test_signatures_where_required() -> None:
    env = _rt()
    assert _rejected(topic_of(env), encode(env), STRICT).reason is QuarantineReason.BAD_SIGNATURE
    forged = sign_document(env, generate_signing_key())
    out = _rejected(topic_of(env), orjson.dumps(forged), STRICT)
    assert out.reason is QuarantineReason.BAD_SIGNATURE
    changed = sign_document(env, KEY)
    changed["body"]["sample"] = "S-CHANGED"
    assert _rejected(topic_of(env), orjson.dumps(changed), STRICT).detail == "signature invalid"
    cam = message(Kind.ACTIVITY, site=SITE, device="cam-01")  # no key held for it
    assert _rejected(topic_of(cam), encode(cam), STRICT).reason is QuarantineReason.BAD_SIGNATURE


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["rt-01", "cam-01", "x"]))
def test_random_bytes_never_crash(payload: bytes, device: str) -> None:
    out = check(f"agrisafe/v1/{SITE}/{device}/rapid_test", payload, RX, STRICT)
    assert isinstance(out, Rejected)
