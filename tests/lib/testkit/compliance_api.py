"""Fixtures for the compliance API tests: a running cloud on the scenario registry (two
regions) and clients holding tokens made through the admin API. Test modules load them with
`pytest_plugins = ["testkit.compliance_api"]`.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from testkit.cloud import RunningCloud, bearer_client, cloud_settings, running_cloud
from testkit.compliance import SCENARIO_REGISTRY, TokenFactory


@pytest.fixture
def region_cloud(
    embedded_broker: EmbeddedBroker, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[RunningCloud]:
    """Cloud on SQLite, or on PostgreSQL when the test asks for `database_url`."""
    url = (
        request.getfixturevalue("database_url") if "database_url" in request.fixturenames else None
    )
    settings = cloud_settings(
        tmp_path,
        f"mqtt://127.0.0.1:{embedded_broker.port}",
        registry_file=SCENARIO_REGISTRY,
        shared_subscription=False,
        database_url=url,
    )
    with running_cloud(settings) as cloud:
        yield cloud


@pytest.fixture
def client_for(region_cloud: RunningCloud) -> Iterator[TokenFactory]:
    """Creates a token through the admin API and returns an HTTP client that uses it."""
    clients: list[httpx.Client] = []

    def make(**token: Any) -> httpx.Client:
        r = region_cloud.http.post("/api/v1/tokens", json={"name": "t", **token})
        assert r.status_code == 201, r.text
        client = bearer_client(region_cloud.base_url, r.json()["token"])
        client.token = r.json()["token"]  # type: ignore[attr-defined]
        client.token_id = r.json()["id"]  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
