"""Chain test fixtures: a real ingest service (chain stage included) on SQLite and PostgreSQL."""

from collections.abc import Callable

import orjson
import pytest

from agrisafe.protocol import Kind
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source, Verdict
from cloud.ingest.service import IngestService
from testkit.messages import message, topic_of
from testkit.trust_keys import keyed_registry, keyed_service

Ingest = Callable[[int], list[str]]


@pytest.fixture
def service(database_url: str) -> IngestService:
    """The ingest service with the chain stage, on both databases."""
    return keyed_service(database_url, keyed_registry("optional"))


@pytest.fixture
def ingest(service: IngestService) -> Ingest:
    """Store `n` harvest records through the real ingest path; their ids, in arrival order."""

    def run(n: int) -> list[str]:
        ids: list[str] = []
        batch = []
        for _ in range(n):
            env = message(Kind.HARVEST, device="app-zhang")
            ids.append(str(env["id"]))
            batch.append(Incoming(orjson.dumps(env), topic_of(env), Source.MQTT, Clock().now_ms()))
        assert {o.verdict for o in service.process(batch)} == {Verdict.ACCEPTED}
        return ids

    return run
