"""The one check gateways and devices run on a command before relaying or acting on it."""

import json
from datetime import UTC, datetime, timedelta

import orjson
from hypothesis import given
from hypothesis import strategies as st

from agrisafe.identity import generate_signing_key
from agrisafe.identity.downlink import check_command, sign_command
from agrisafe.protocol.commands import Command, Refusal, Refused
from agrisafe.protocol.enums import CommandName
from agrisafe.protocol.topics import command_topic

CLOUD = generate_signing_key()
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def _cmd(**changes: object) -> Command:
    base = Command(
        id="0193a4f3-0000-7000-8000-0000000000c1",
        site="S1",
        device="cam-01",
        name=CommandName.SNAPSHOT,
        params={"camera": "gate"},
        issued=NOW,
        expires=NOW + timedelta(minutes=10),
        by="admin",
    )
    return base.model_copy(update=changes)


def _check(cmd: Command, payload: bytes | None = None, **kw: object) -> Command | Refused:
    args: dict[str, object] = {
        "site": "S1",
        "device": "cam-01",
        "cloud_key": CLOUD.public_key(),
        "now_ms": NOW_MS,
    } | kw
    topic = str(args.pop("topic", command_topic(cmd.site, cmd.device, cmd.name.value)))
    body = payload if payload is not None else sign_command(cmd, CLOUD)
    return check_command(topic, body, **args)  # type: ignore[arg-type]


def _reason(verdict: Command | Refused) -> Refusal | None:
    return verdict.reason if isinstance(verdict, Refused) else None


def test_a_signed_fresh_command_for_us_passes() -> None:
    verdict = _check(_cmd())
    assert isinstance(verdict, Command)
    assert verdict.params == {"camera": "gate"}
    assert _reason(_check(_cmd(), device=None)) is None  # the gateway checks only the site


def test_each_reason_to_refuse() -> None:
    assert _reason(_check(_cmd(), cloud_key=generate_signing_key().public_key())) is (
        Refusal.BAD_SIGNATURE
    )
    assert _reason(_check(_cmd(), cloud_key=None)) is Refusal.BAD_SIGNATURE
    assert _reason(_check(_cmd(), payload=_cmd().to_json())) is Refusal.BAD_SIGNATURE  # unsigned
    assert _reason(_check(_cmd(), now_ms=NOW_MS + 10 * 60_000)) is Refusal.EXPIRED
    assert _reason(_check(_cmd(), device="cam-02")) is Refusal.NOT_FOR_US
    assert _reason(_check(_cmd(), site="S2", device=None)) is Refusal.NOT_FOR_US
    wrong_topic = command_topic("S1", "cam-02", "snapshot")
    assert _reason(_check(_cmd(), topic=wrong_topic)) is Refusal.TOPIC_MISMATCH
    assert _reason(_check(_cmd(), topic="agrisafe/v1/S1/cam-01/rapid_test")) is (
        Refusal.TOPIC_MISMATCH
    )
    assert _reason(_check(_cmd(params={"camera": "gate", "zoom": 4}))) is Refusal.BAD_PARAMS
    zones = _cmd(name=CommandName.SET_ZONES, params={"camera": "gate", "plots": {"P1": [[0, 0]]}})
    assert _reason(_check(zones)) is Refusal.BAD_PARAMS  # a polygon needs three points


def test_a_signed_command_edited_on_the_way_is_refused() -> None:
    doc = orjson.loads(sign_command(_cmd(), CLOUD))
    doc["params"] = {"camera": "other"}
    assert _reason(_check(_cmd(), payload=orjson.dumps(doc))) is Refusal.BAD_SIGNATURE
    doc = orjson.loads(sign_command(_cmd(), CLOUD))
    doc["expires"] = "2027-01-01T00:00:00+00:00"  # stretching its life breaks the signature
    assert _reason(_check(_cmd(), payload=orjson.dumps(doc))) is Refusal.BAD_SIGNATURE


@given(st.binary(max_size=400))
def test_random_bytes_are_refused_never_raised(payload: bytes) -> None:
    verdict = _check(_cmd(), payload=payload)
    assert isinstance(verdict, Refused)
    assert verdict.reason in (Refusal.MALFORMED, Refusal.TOPIC_MISMATCH, Refusal.BAD_SIGNATURE)


@given(st.dictionaries(st.text(max_size=8), st.none() | st.integers() | st.text(max_size=8)))
def test_random_json_objects_are_refused_never_raised(doc: dict[str, object]) -> None:
    verdict = _check(_cmd(), payload=json.dumps(doc).encode())
    assert isinstance(verdict, Refused)
