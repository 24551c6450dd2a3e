"""The HTTP API against a real running cloud (embedded broker, SQLite)."""

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.protocol import Kind
from testkit.cloud import RunningCloud, SseReader, cloud_settings, running_cloud
from testkit.messages import message
from testkit.net import wait_for
from testkit.paths import DEMO_SITE_FILE


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    settings = cloud_settings(
        tmp_path,
        f"mqtt://127.0.0.1:{embedded_broker.port}",
        registry_file=DEMO_SITE_FILE,
        shared_subscription=False,
    )
    with running_cloud(settings) as c:
        yield c


def test_health_needs_no_token_and_tells_only_ok(cloud: RunningCloud) -> None:
    import httpx

    r = httpx.get(f"{cloud.base_url}/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert httpx.get(f"{cloud.base_url}/api/v1/health/detail").status_code == 401
    detail = cloud.http.get("/api/v1/health/detail").json()
    assert detail["workers"][0]["connected"] is True


@pytest.mark.parametrize("path", ["/api/v1/records", "/api/v1/alerts", "/api/v1/sites"])
def test_endpoints_need_a_valid_token(cloud: RunningCloud, path: str) -> None:
    import httpx

    assert httpx.get(f"{cloud.base_url}{path}").status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert httpx.get(f"{cloud.base_url}{path}", headers=bad).status_code == 401
    assert cloud.http.get(path).status_code == 200


def test_post_message_status_codes(cloud: RunningCloud) -> None:
    env = message(Kind.HARVEST, device="app-zhang")
    assert cloud.http.post("/api/v1/messages", content=orjson.dumps(env)).status_code == 202
    assert cloud.http.post("/api/v1/messages", content=orjson.dumps(env)).status_code == 200
    reuse = env | {"body": env["body"] | {"qty_kg": 1.0}}
    r = cloud.http.post("/api/v1/messages", content=orjson.dumps(reuse))
    assert r.status_code == 409
    assert r.json()["reason"] == "id_reuse"
    bad = message(Kind.HARVEST, device="app-zhang")
    del bad["body"]["lot"]
    r = cloud.http.post("/api/v1/messages", content=orjson.dumps(bad))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "body.lot", "reason": "field required"}]
    r = cloud.http.post("/api/v1/messages", content=b"x" * (256 * 1024 + 10))
    assert r.status_code == 413
    stranger = message(Kind.HARVEST, device="nobody")
    assert cloud.http.post("/api/v1/messages", content=orjson.dumps(stranger)).status_code == 403


def test_post_array_reports_each_item(cloud: RunningCloud) -> None:
    good = [message(Kind.HARVEST, device="app-zhang") for _ in range(3)]
    r = cloud.http.post("/api/v1/messages", content=orjson.dumps(good))
    assert r.status_code == 202
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 3
    assert cloud.http.post("/api/v1/messages", content=orjson.dumps(good)).status_code == 200
    mixed = [message(Kind.HARVEST, device="app-zhang"), {"v": 1}]
    r = cloud.http.post("/api/v1/messages", content=orjson.dumps(mixed))
    assert r.status_code == 422
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "quarantined"]


def test_records_list_filters_and_pages(cloud: RunningCloud) -> None:
    envs = [message(Kind.HARVEST, device="app-zhang") for _ in range(5)]
    for n, env in enumerate(envs):
        env["ts"] = f"2026-05-0{n + 1}T08:00:00+08:00"
    cloud.http.post("/api/v1/messages", content=orjson.dumps(envs))
    cloud.http.post(
        "/api/v1/messages",
        content=orjson.dumps(message(Kind.RAPID_TEST, device="rt-01", result="negative")),
    )
    page = cloud.http.get("/api/v1/records", params={"kind": "harvest", "limit": 2}).json()
    assert page["total"] == 5
    assert [i["id"] for i in page["items"]] == [envs[4]["id"], envs[3]["id"]]  # newest first
    page2 = cloud.http.get(
        "/api/v1/records", params={"kind": "harvest", "limit": 2, "offset": 4}
    ).json()
    assert [i["id"] for i in page2["items"]] == [envs[0]["id"]]
    ranged = cloud.http.get(
        "/api/v1/records",
        params={"from": "2026-05-02T00:00:00+08:00", "to": "2026-05-04T00:00:00+08:00"},
    ).json()
    assert ranged["total"] == 2
    assert cloud.http.get("/api/v1/records", params={"site": "nope"}).json()["total"] == 0
    assert cloud.http.get("/api/v1/records", params={"limit": 5000}).status_code == 422


def test_positive_over_http_reaches_list_and_live_stream(cloud: RunningCloud) -> None:
    reader = SseReader(cloud.base_url, cloud.admin_token)
    env = message(Kind.RAPID_TEST, device="rt-01")
    assert cloud.http.post("/api/v1/messages", content=orjson.dumps(env)).status_code == 202
    assert wait_for(lambda: len(reader.alerts) == 1, 10)
    reader.close()
    assert reader.alerts[0]["rule"] == "rapid_test_positive"
    assert reader.alerts[0]["evidence"] == [env["id"]]
    listed = cloud.http.get("/api/v1/alerts", params={"rule": "rapid_test_positive"}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == reader.alerts[0]["id"]
    assert cloud.http.get("/api/v1/alerts", params={"status": "resolved"}).json()["total"] == 0


def test_quarantine_listing_shows_reason_and_raw(cloud: RunningCloud) -> None:
    cloud.http.post("/api/v1/messages", content=b"{broken")
    q = cloud.http.get("/api/v1/quarantine").json()
    assert q["counts"] == {"bad_json": 1}
    assert q["items"][0]["raw_text"] == "{broken"
    assert q["items"][0]["source"] == "http"


def test_register_site_over_api(cloud: RunningCloud) -> None:
    site = {
        "id": "SX-API-01",
        "name": "API base",
        "region": "140781",
        "devices": [{"id": "rt-9", "type": "instrument"}],
    }
    assert cloud.http.put("/api/v1/sites/SX-API-01", json=site).status_code == 200
    env = message(Kind.RAPID_TEST, site="SX-API-01", device="rt-9", result="negative")
    assert cloud.http.post("/api/v1/messages", content=orjson.dumps(env)).status_code == 202
    assert cloud.http.put("/api/v1/sites/OTHER", json=site).status_code == 422
