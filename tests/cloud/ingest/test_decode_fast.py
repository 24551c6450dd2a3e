"""The hot-path helpers keep the contract: one dump gives the same hash the protocol defines."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from agrisafe.protocol import Kind, content_hash
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.protocol.validation import validate_envelope
from cloud.domain import Incoming, Rejection, Source
from cloud.ingest.decode import decode, dump_and_hash
from testkit.messages import encode, message, topic_of


def test_dump_and_hash_equals_content_hash_for_every_kind() -> None:
    for kind in Kind:
        env = validate_envelope(EXAMPLES[kind])
        doc, digest = dump_and_hash(env)
        assert digest == content_hash(env)
        assert doc == env.model_dump(mode="json", exclude_none=True)


@settings(max_examples=50)
@given(extra=st.dictionaries(st.sampled_from(["note", "at", "x_y"]), st.text(max_size=5)))
def test_dump_and_hash_ignores_transport_fields_like_content_hash(extra: dict[str, str]) -> None:
    raw = copy.deepcopy(EXAMPLES[Kind.HARVEST]) | extra
    env = validate_envelope(raw)
    assert dump_and_hash(env)[1] == content_hash(env)


def test_topic_cache_still_rejects_bad_and_mismatched_topics() -> None:
    env = message(Kind.HARVEST, device="app-zhang")
    ok = decode(Incoming(encode(env), topic_of(env), Source.MQTT, 0))
    assert not isinstance(ok, Rejection)
    for _ in range(2):  # the second time comes from the cache
        bad = decode(Incoming(encode(env), "agrisafe/v1/x", Source.MQTT, 0))
        assert isinstance(bad, Rejection)
        assert bad.reason.value == "unknown_topic"
        assert bad.message_id == env["id"]
    wrong = decode(Incoming(encode(env), "agrisafe/v1/SX-TG-001/rt-01/rapid_test", Source.MQTT, 0))
    assert isinstance(wrong, Rejection)
    assert {p.field for p in wrong.problems} == {"device", "kind"}
