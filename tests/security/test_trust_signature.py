"""The cloud checks each sender's Ed25519 signature (SQLite and PostgreSQL, real ingest service).

Where a site requires signatures, a missing, foreign, forged or broken one is quarantined
`bad_signature` with its raw bytes, and nothing is stored.
"""

import orjson
import pytest
from sqlalchemy import delete, func, select

from agrisafe.protocol import Kind, QuarantineReason
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Outcome, Source, Verdict
from cloud.ingest.service import IngestService
from cloud.store import tables as t
from testkit.messages import encode, message, topic_of
from testkit.trust_keys import KeyedRegistry, keyed_registry, keyed_service, signed


def _send(service: IngestService, env: dict[str, object], payload: bytes) -> Outcome:
    (out,) = service.process([Incoming(payload, topic_of(env), Source.MQTT, Clock().now_ms())])
    return out


def _stored(service: IngestService) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.records)).scalar() or 0)


def _quarantined(service: IngestService) -> list[tuple[str, bytes]]:
    with service.engine.connect() as conn:
        return [
            (str(r.reason), bytes(r.raw))
            for r in conn.execute(select(t.quarantine.c.reason, t.quarantine.c.raw))
        ]


@pytest.fixture
def keyed() -> KeyedRegistry:
    return keyed_registry("required")


def _assert_bad(service: IngestService, out: Outcome, payload: bytes) -> None:
    assert out.verdict is Verdict.QUARANTINED
    assert out.rejection is not None
    assert out.rejection.reason is QuarantineReason.BAD_SIGNATURE
    assert _stored(service) == 0
    assert _quarantined(service) == [("bad_signature", payload)]


def test_signed_by_its_own_key_is_stored(database_url: str, keyed: KeyedRegistry) -> None:
    service = keyed_service(database_url, keyed)
    env = message(Kind.HARVEST, device="app-zhang")
    assert _send(service, env, signed(env, keyed.keys["app-zhang"])).verdict is Verdict.ACCEPTED
    assert _stored(service) == 1


def test_missing_signature_where_required(database_url: str, keyed: KeyedRegistry) -> None:
    service = keyed_service(database_url, keyed)
    env = message(Kind.RAPID_TEST, device="rt-01")
    _assert_bad(service, _send(service, env, encode(env)), encode(env))


def test_device_a_signing_as_device_b(database_url: str, keyed: KeyedRegistry) -> None:
    service = keyed_service(database_url, keyed)
    env = message(Kind.RAPID_TEST, device="rt-01")
    forged = signed(env, keyed.keys["cam-01"])
    _assert_bad(service, _send(service, env, forged), forged)


def test_changed_after_signing(database_url: str, keyed: KeyedRegistry) -> None:
    service = keyed_service(database_url, keyed)
    env = message(Kind.RAPID_TEST, device="rt-01", result="negative")
    doc = orjson.loads(signed(env, keyed.keys["rt-01"]))
    doc["body"]["result"] = "positive"
    payload = orjson.dumps(doc)
    out = _send(service, env, payload)
    _assert_bad(service, out, payload)
    assert out.rejection is not None
    assert "does not match" in out.rejection.detail


def test_malformed_signature(database_url: str, keyed: KeyedRegistry) -> None:
    service = keyed_service(database_url, keyed)
    env = message(Kind.HARVEST, device="app-zhang") | {
        "sig": {"alg": "Ed25519", "key_id": "x", "value": "AAAA"}
    }
    _assert_bad(service, _send(service, env, encode(env)), encode(env))


def test_optional_site_takes_unsigned_but_never_a_wrong_signature(database_url: str) -> None:
    keyed = keyed_registry("optional")
    service = keyed_service(database_url, keyed)
    plain = message(Kind.HARVEST, device="app-zhang")
    assert _send(service, plain, encode(plain)).verdict is Verdict.ACCEPTED
    env = message(Kind.HARVEST, device="app-zhang")
    forged = signed(env, keyed.keys["rt-01"])
    out = _send(service, env, forged)
    assert out.rejection is not None
    assert out.rejection.reason is QuarantineReason.BAD_SIGNATURE
    assert _stored(service) == 1


def test_device_removed_from_registry_is_refused(database_url: str, keyed: KeyedRegistry) -> None:
    service = keyed_service(database_url, keyed)
    first = message(Kind.HARVEST, device="app-zhang")
    assert _send(service, first, signed(first, keyed.keys["app-zhang"])).verdict is Verdict.ACCEPTED
    # De-registration (the registry's job) deletes the device row; its key stops counting.
    with service.engine.begin() as conn:
        conn.execute(delete(t.devices).where(t.devices.c.id == "app-zhang"))
    service.registry.keys.forget()
    env = message(Kind.HARVEST, device="app-zhang")
    out = _send(service, env, signed(env, keyed.keys["app-zhang"]))
    assert out.verdict is Verdict.QUARANTINED
    assert _stored(service) == 1


def test_a_batch_checked_on_the_pool_keeps_each_verdict(
    database_url: str, keyed: KeyedRegistry
) -> None:
    """A batch's signatures are checked ahead on threads: every message keeps its own verdict."""
    service = keyed_service(database_url, keyed)
    now = Clock().now_ms()
    good, forged, changed, unsigned = [], [], [], []
    batch: list[Incoming] = []
    for n in range(40):
        env = message(Kind.HARVEST, device="app-zhang")
        if n % 4 == 0:
            payload = signed(env, keyed.keys["app-zhang"])
            good.append(env["id"])
        elif n % 4 == 1:
            payload = signed(env, keyed.keys["cam-01"])
            forged.append(env["id"])
        elif n % 4 == 2:
            doc = orjson.loads(signed(env, keyed.keys["app-zhang"]))
            doc["body"]["qty_kg"] = 1.0
            payload = orjson.dumps(doc)
            changed.append(env["id"])
        else:
            payload = encode(env)
            unsigned.append(env["id"])
        batch.append(Incoming(payload, topic_of(env), Source.MQTT, now))
    outcomes = service.process(batch)
    accepted = [o.message_id for o in outcomes if o.verdict is Verdict.ACCEPTED]
    assert accepted == good
    bad = [o for o in outcomes if o.verdict is Verdict.QUARANTINED]
    assert len(bad) == len(forged) + len(changed) + len(unsigned)
    assert all(o.rejection and o.rejection.reason is QuarantineReason.BAD_SIGNATURE for o in bad)
    assert _stored(service) == len(good)
