"""Issue 13, finding 3: devices could not be removed from a site (and the sender cache never
forgot them), no SSE stream limit, `/sites`, `/credit`, `/tokens`, `/webhooks` unpaginated."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from testkit.api_security import REGION_A, SITE_A, client, hardened_cloud
from testkit.cloud import RunningCloud
from testkit.compliance import env, post


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    with hardened_cloud(
        tmp_path, embedded_broker.address.url(), sse_streams_per_token=2
    ) as running:
        yield running


def _harvest() -> dict[str, object]:
    body = {"lot": "L-DEL", "plot": "P1", "crop": "黄瓜", "qty_kg": 10.0}
    return env("harvest", "2026-05-04T10:00:00+08:00", body, device="app-li")


@pytest.mark.integration
def test_a_removed_device_is_refused_at_once(cloud: RunningCloud) -> None:
    assert post(cloud.http, _harvest()).status_code == 202  # warms the sender cache
    r = cloud.http.delete(f"/api/v1/sites/{SITE_A}/devices/app-li")
    assert r.status_code == 200
    assert r.json() == {"site": SITE_A, "device": "app-li", "removed": True}
    refused = cloud.http.post("/api/v1/messages", json=_harvest())
    assert refused.status_code == 403
    assert refused.json()["reason"] == "unknown_device"
    assert cloud.http.delete(f"/api/v1/sites/{SITE_A}/devices/app-li").status_code == 404
    [entry] = [
        e for e in cloud.http.get("/api/v1/audit").json()["items"] if e["action"] == "device.remove"
    ]
    assert entry["target"] == f"device:{SITE_A}/app-li"
    assert entry["detail"]["token_id"]
    devices = cloud.http.get("/api/v1/sites").json()["items"][0]["devices"]
    assert "app-li" not in [d["id"] for d in devices]


def test_sse_streams_per_token_are_limited(cloud: RunningCloud) -> None:
    _reg, token = client(cloud, role="regulator", regions=[REGION_A])
    url = f"{cloud.base_url}/api/v1/alerts/stream"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10) as h:
        with (
            h.stream("GET", url, headers=headers) as one,
            h.stream("GET", url, headers=headers) as two,
        ):
            assert (one.status_code, two.status_code) == (200, 200)
            third = h.get(url, headers=headers)
            assert third.status_code == 429
            # Another token has its own allowance.
            with h.stream(
                "GET", url, headers={"Authorization": f"Bearer {cloud.admin_token}"}
            ) as other:
                assert other.status_code == 200

        # Closed streams give their places back (released when the server sees the disconnect).
        def reopened() -> int:
            with h.stream("GET", url, headers=headers) as again:
                return again.status_code

        from testkit.net import wait_for

        assert wait_for(lambda: reopened() == 200, 15)


@pytest.mark.parametrize(
    "path", ["/api/v1/sites", "/api/v1/credit", "/api/v1/tokens", "/api/v1/webhooks"]
)
def test_every_list_is_paginated(cloud: RunningCloud, path: str) -> None:
    for n in range(3):
        client(cloud, role="regulator", regions=[REGION_A])
        cloud.http.post("/api/v1/webhooks", json={"url": f"https://93.184.215.{n + 1}/hook"})
    full = cloud.http.get(path).json()
    assert full["total"] >= 2
    page = cloud.http.get(path, params={"limit": 1, "offset": 1}).json()
    assert page["total"] == full["total"]
    assert page["items"] == full["items"][1:2]
    assert cloud.http.get(path, params={"limit": 100_000}).status_code == 422
