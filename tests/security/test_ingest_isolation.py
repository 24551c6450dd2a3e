"""Issue 13, finding 1 at the database: a batch the store refuses is split to the message at
fault, which is dead-lettered after N tries; health says degraded while a batch is stuck; and
no hostile JSON makes ingest raise (property test).

The store failure is injected with a record sink that raises for one id (a fault injection: a
real database refuses such a message only for reasons the validation now rules out).
"""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from agrisafe.mqtt import MqttSession
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source, StoredRecord, Verdict
from cloud.engine.runner import RuleEngine
from cloud.ingest.isolate import FaultIsolator
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService, load_registry_file
from cloud.store.db import make_engine, migrate
from testkit.cloud import RunningCloud
from testkit.compliance import SCENARIO_REGISTRY
from testkit.ingest_hostile import publish, quarantined, rapid, stored_ids
from testkit.net import wait_for

pytest_plugins = ["testkit.ingest_hostile"]


class RefusingSink:
    """Raises inside the ingest transaction for the ids in `refuse` (fault injection)."""

    def __init__(self) -> None:
        self.refuse: set[str] = set()

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        if any(s.envelope.id in self.refuse for s in stored):
            raise OperationalError("INSERT …", {}, Exception("refused"))


@pytest.fixture
def service(database_url: str) -> Iterator[IngestService]:
    engine = make_engine(database_url)
    migrate(engine)
    registry = RegistryService(engine)
    registry.sync_file(load_registry_file(SCENARIO_REGISTRY))
    yield IngestService(engine, registry, RuleEngine())
    engine.dispose()


def _mqtt(payload: bytes) -> Incoming:
    return Incoming(payload, None, Source.MQTT, Clock().now_ms())


def test_a_batch_the_store_refuses_is_split_and_the_bad_message_dead_lettered(
    service: IngestService,
) -> None:
    sink = RefusingSink()
    service.record_sinks.append(sink)
    envs = [rapid() for _ in range(7)]
    sink.refuse.add(envs[4]["id"])
    outcomes = FaultIsolator(service, max_attempts=3).process(
        [_mqtt(orjson.dumps(e)) for e in envs]
    )
    verdicts = [o.verdict for o in outcomes]
    assert verdicts == [Verdict.ACCEPTED] * 4 + [Verdict.QUARANTINED] + [Verdict.ACCEPTED] * 2
    rejection = outcomes[4].rejection
    assert rejection is not None
    assert rejection.reason.value == "internal"
    assert "after 3 attempts" in rejection.detail
    assert service.stats.dead_lettered == 1


@pytest.mark.integration
def test_health_is_degraded_while_a_batch_is_stuck(
    hostile_cloud: RunningCloud, publisher: MqttSession
) -> None:
    runtime = hostile_cloud.runtime
    sink = RefusingSink()
    runtime.ingest.record_sinks.append(sink)
    worker = runtime.workers[0]
    # The database "does not answer": the batch is retried whole, never dead-lettered.
    worker.isolator = FaultIsolator(runtime.ingest, alive=lambda _engine: False)
    stuck = rapid()
    sink.refuse.add(stuck["id"])
    publish(publisher, stuck)
    health = hostile_cloud.http.get
    assert wait_for(lambda: health("/api/v1/health").json()["status"] == "degraded", 20)
    sink.refuse.clear()  # the database is back
    assert wait_for(lambda: stuck["id"] in stored_ids(hostile_cloud), 30)
    assert wait_for(lambda: health("/api/v1/health").json()["status"] == "ok", 10)
    assert quarantined(hostile_cloud, "internal") == {}


_HOSTILE_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", '"\\u0000"', '"\\ud800"']).map(
        lambda raw: _Raw(raw)
    ),
)


class _Raw(str):
    """A JSON fragment written as is (numbers no JSON library would write)."""


def _write(value: Any) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{orjson.dumps(k).decode()}:{_write(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(_write(v) for v in value) + "]"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return orjson.dumps(value).decode()


_JSON = st.recursive(
    _HOSTILE_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=_JSON, where=st.sampled_from(["body", "top", "whole"]))
def test_no_hostile_json_makes_ingest_raise(tmp_path: Path, extra: Any, where: str) -> None:
    engine_url = f"sqlite:///{tmp_path / 'prop.db'}"
    svc = _property_service(engine_url)
    env = rapid()
    text = _write(env)
    if where == "body":
        payload = text[:-2] + f',"x":{_write(extra)}' + "}}"
    elif where == "top":
        payload = text[:-1] + f',"x":{_write(extra)}' + "}"
    else:
        payload = _write(extra)
    outcomes = FaultIsolator(svc).process([_mqtt(payload.encode("utf-8", "surrogatepass"))])
    assert len(outcomes) == 1
    assert outcomes[0].verdict in (Verdict.ACCEPTED, Verdict.QUARANTINED)
    if outcomes[0].rejection is not None:
        assert outcomes[0].rejection.reason.value != "internal", outcomes[0].rejection.detail


_SERVICES: dict[str, IngestService] = {}


def _property_service(url: str) -> IngestService:
    # One database per test run, not per example: building a registry takes longer than ingest.
    if url not in _SERVICES:
        engine = make_engine(url)
        migrate(engine)
        registry = RegistryService(engine)
        registry.sync_file(load_registry_file(SCENARIO_REGISTRY))
        _SERVICES[url] = IngestService(engine, registry, RuleEngine())
    return _SERVICES[url]
