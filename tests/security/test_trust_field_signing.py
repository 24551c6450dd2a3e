"""Field nodes sign what they send: the bridge per instrument, the edge node as itself.

The envelopes go through each component's real publisher into its real durable outbox; the
outbox's bytes are what the pump would publish, and a real ingest service (signatures required,
the demo site with a key per device) takes them — the same check the cloud makes over MQTT.
"""

import copy
from pathlib import Path

import pytest

from agrisafe.identity import EnvelopeSigner, write_signing_key
from agrisafe.ids import new_id
from agrisafe.outbox import SqliteOutbox
from agrisafe.protocol import ENVELOPE_ADAPTER, ActivityEnvelope, Kind, QuarantineReason
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source, Verdict
from edge.app import Publisher
from firmware_bridge.recorder import OutboxPublisher
from testkit.trust_keys import KeyedRegistry, keyed_registry, keyed_service

SITE = "SX-TG-001"


@pytest.fixture
def keyed() -> KeyedRegistry:
    return keyed_registry("required")


def _example(kind: Kind, device: str) -> dict[str, object]:
    env = copy.deepcopy(EXAMPLES[kind])
    env.update(id=new_id(), site=SITE, device=device)
    return env


def _drain(outbox: SqliteOutbox) -> list[Incoming]:
    now = Clock().now_ms()
    return [Incoming(i.payload, i.topic, Source.MQTT, now) for i in outbox.peek(limit=1000)]


def test_bridge_signs_per_instrument_and_the_cloud_accepts(
    tmp_path: Path, database_url: str, keyed: KeyedRegistry
) -> None:
    key_file = tmp_path / "rt-01.key"
    write_signing_key(key_file, keyed.keys["rt-01"])
    outbox = SqliteOutbox(tmp_path / "bridge-outbox.db")
    publisher = OutboxPublisher(outbox, signer=EnvelopeSigner.from_files({"rt-01": key_file}))
    signed_env = ENVELOPE_ADAPTER.validate_python(_example(Kind.RAPID_TEST, "rt-01"))
    unsigned_env = ENVELOPE_ADAPTER.validate_python(_example(Kind.RAPID_TEST, "rt-02"))
    publisher.publish(signed_env)
    publisher.publish(unsigned_env)  # no key held for rt-02: goes out unsigned
    service = keyed_service(database_url, keyed)
    first, second = service.process(_drain(outbox))
    assert first.verdict is Verdict.ACCEPTED
    assert second.verdict is Verdict.QUARANTINED
    assert second.rejection is not None
    assert second.rejection.reason is QuarantineReason.BAD_SIGNATURE


def test_edge_node_signs_its_activities(
    tmp_path: Path, database_url: str, keyed: KeyedRegistry
) -> None:
    outbox = SqliteOutbox(tmp_path / "edge-outbox.db")
    publisher = Publisher(outbox, lambda: None, EnvelopeSigner({"cam-01": keyed.keys["cam-01"]}))
    env = ENVELOPE_ADAPTER.validate_python(_example(Kind.ACTIVITY, "cam-01"))
    assert isinstance(env, ActivityEnvelope)
    publisher.publish(env)
    [item] = _drain(outbox)
    assert b'"sig"' in item.payload
    [out] = keyed_service(database_url, keyed).process([item])
    assert out.verdict is Verdict.ACCEPTED


def test_a_node_holding_another_devices_key_is_refused(
    tmp_path: Path, database_url: str, keyed: KeyedRegistry
) -> None:
    """A stolen key signs only as its own device: rt-01's key on cam-01's envelopes fails."""
    outbox = SqliteOutbox(tmp_path / "edge-outbox.db")
    publisher = Publisher(outbox, lambda: None, EnvelopeSigner({"cam-01": keyed.keys["rt-01"]}))
    env = ENVELOPE_ADAPTER.validate_python(_example(Kind.ACTIVITY, "cam-01"))
    assert isinstance(env, ActivityEnvelope)
    publisher.publish(env)
    [out] = keyed_service(database_url, keyed).process(_drain(outbox))
    assert out.verdict is Verdict.QUARANTINED
    assert out.rejection is not None
    assert out.rejection.reason is QuarantineReason.BAD_SIGNATURE
