"""Certificates over HTTP: issued for a clean lot, refused with every reason, revoked by a late
fact; the public trace page shows the mandatory fields and nothing private; QR codes."""

import re
from typing import Any

import httpx
import pytest

from cloud.certificates.page import qr_png, qr_svg
from testkit.cloud import RunningCloud
from testkit.compliance import env, post, spray

TG, JX = "SX-TG-001", "SX-JX-002"

pytest_plugins = ["testkit.compliance_api"]


def cert_request(lot: str, ts: str, site: str = TG) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lot": lot,
        "commodity": "番茄",
        "qty_kg": 600,
        "basis": ["control", "self_test"],
    }
    return env("certificate_request", ts, body, site=site)


def decision(cloud: RunningCloud, request_id: str) -> dict[str, Any]:
    items = cloud.http.get("/api/v1/certificates", params={"request_id": request_id}).json()
    [item] = items["items"]
    return dict(item)


@pytest.mark.integration
def test_a_clean_lot_gets_a_certificate_with_a_public_trace_page(
    region_cloud: RunningCloud,
) -> None:
    cloud = region_cloud
    spray_ = env(
        "input_use",
        "2026-05-01T08:00:00+08:00",
        spray("P2", "番茄", ["联苯菊酯"], formulation="10% EC") | {"operator": "张三"},
    )
    harvest = env(
        "harvest",
        "2026-05-06T08:00:00+08:00",
        {"plot": "P2", "crop": "番茄", "lot": "L-OK-1", "qty_kg": 600},
    )
    test = env(
        "rapid_test",
        "2026-05-06T09:00:00+08:00",
        {
            "sample": "S-OK-1",
            "commodity": "番茄",
            "method": "enzyme_inhibition",
            "analyte": "有机磷和氨基甲酸酯类",
            "result": "negative",
            "inhibition_pct": 5.0,
            "lot": "L-OK-1",
            "operator": "王检测",
            "instrument": "DY-3000#12",
        },
        device="rt-01",
    )
    req = cert_request("L-OK-1", "2026-05-06T10:00:00+08:00")
    assert post(cloud.http, spray_, harvest, test, req).status_code == 202
    cert = decision(cloud, req["id"])
    assert cert["status"] == "issued"
    assert cert["reasons"] == []

    page = httpx.get(f"{cloud.base_url}/t/{cert['id']}")  # public: no token
    assert page.status_code == 200
    html = page.text
    for mandatory in (
        "承诺达标合格证",
        "番茄",
        "600 千克",
        "L-OK-1",
        "阳光农安示范基地(太谷)",
        "2号大棚",
        "2026-05-06",
        "太谷区阳光蔬菜专业合作社",
        "未使用禁用农药、兽药及其他化合物；使用的常规农药、兽药残留不超标",
        "质量安全控制符合要求",
        "自行检测合格",
        "有效",
        "A 级",
        "联苯菊酯，安全间隔期 4 天",
        "阴性（合格）",
    ):
        assert mandatory in html, mandatory
    for private in (
        "0354-1234567",
        "93140703MA0SCEN01X",
        TG,
        "P2",
        "app-zhang",
        "rt-01",
        "张三",
        "王检测",
        "DY-3000",
        str(spray_["id"]),
        str(req["id"]),
    ):
        assert private not in html, private
    assert 'name="viewport"' in html

    svg = httpx.get(f"{cloud.base_url}/t/{cert['id']}/qr.svg")
    png = httpx.get(f"{cloud.base_url}/t/{cert['id']}/qr.png")
    url = f"http://127.0.0.1:{cloud.runtime.settings.http_port}/t/{cert['id']}"
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.content == qr_svg(url)  # the code encodes the page's URL
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.content == qr_png(url)


@pytest.mark.integration
def test_the_contact_shows_only_when_the_producer_chose_it(region_cloud: RunningCloud) -> None:
    cloud = region_cloud
    harvest = env(
        "harvest",
        "2026-05-06T08:00:00+08:00",
        {"plot": "P1", "crop": "黄瓜", "lot": "L-JX"},
        site=JX,
    )
    req = cert_request("L-JX", "2026-05-06T10:00:00+08:00", site=JX)
    assert post(cloud.http, harvest, req).status_code == 202
    cert = decision(cloud, req["id"])
    assert "13800000000" in httpx.get(f"{cloud.base_url}/t/{cert['id']}").text


@pytest.mark.integration
def test_refused_with_every_reason_and_no_trace_page(region_cloud: RunningCloud) -> None:
    cloud = region_cloud
    producer = "93140703MA0SCEN01X"
    r = cloud.http.put(
        f"/api/v1/producers/{producer}/blacklist", json={"reason": "伪造记录 (inspection 2026-05)"}
    )
    assert r.status_code == 200
    msgs = [
        env("input_use", "2026-05-05T08:00:00+08:00", spray("P2", "番茄", ["联苯菊酯"])),
        env("input_use", "2026-05-05T09:00:00+08:00", spray("P2", "番茄", ["甲胺磷"])),
        env(
            "harvest",
            "2026-05-06T08:00:00+08:00",
            {"plot": "P2", "crop": "番茄", "lot": "L-BAD"},
        ),
        env(
            "rapid_test",
            "2026-05-06T09:00:00+08:00",
            {
                "sample": "S-BAD",
                "commodity": "番茄",
                "method": "colloidal_gold",
                "analyte": "甲胺磷",
                "result": "positive",
                "lot": "L-BAD",
            },
            device="rt-01",
        ),
    ]
    bad = cert_request("L-BAD", "2026-05-06T10:00:00+08:00")
    unknown = cert_request("L-NONE", "2026-05-06T10:00:00+08:00")
    assert post(cloud.http, *msgs, bad, unknown).status_code == 202
    reasons = {r["reason"] for r in decision(cloud, bad["id"])["reasons"]}
    assert reasons == {"blocked_lot", "banned_input", "positive_test", "blacklisted_producer"}
    assert [r["reason"] for r in decision(cloud, unknown["id"])["reasons"]] == [
        "unknown_lot",
        "blacklisted_producer",
    ]
    refused = cloud.http.get(
        "/api/v1/alerts", params={"rule": "certificate_refused", "subject": "lot:L-BAD"}
    ).json()["items"]
    assert len(refused) == 1
    assert {r["reason"] for r in refused[0]["detail"]["reasons"]} == reasons
    cert = decision(cloud, bad["id"])
    assert httpx.get(f"{cloud.base_url}/t/{cert['id']}").status_code == 404
    audit = cloud.http.get("/api/v1/audit").json()["items"]
    assert audit[0]["action"] == "producer.blacklist"


@pytest.mark.integration
def test_a_late_fact_revokes_the_certificate_and_the_page_says_so(
    region_cloud: RunningCloud,
) -> None:
    cloud = region_cloud
    harvest = env(
        "harvest", "2026-05-02T09:00:00+08:00", {"plot": "P1", "crop": "黄瓜", "lot": "L-REV"}
    )
    req = cert_request("L-REV", "2026-05-02T10:00:00+08:00")
    assert post(cloud.http, harvest, req).status_code == 202
    cert = decision(cloud, req["id"])
    assert cert["status"] == "issued"
    late = env(
        "input_use",
        "2026-05-01T17:00:00+08:00",
        spray("P1", "黄瓜", ["阿维菌素"], formulation="1.8% EC"),
    )
    assert post(cloud.http, late).status_code == 202
    assert decision(cloud, req["id"])["status"] == "revoked"
    revoked = cloud.http.get("/api/v1/alerts", params={"rule": "certificate_revoked"}).json()
    [alert] = revoked["items"]
    assert (alert["subject"], alert["cause"], alert["severity"]) == (
        "lot:L-REV",
        cert["id"],
        "critical",
    )
    html = httpx.get(f"{cloud.base_url}/t/{cert['id']}").text
    assert "已撤销" in html
    assert "安全间隔期或兽药休药期内采收" in html
    assert re.search(r"已于 \d{4}-\d{2}-\d{2} 撤销", html)


@pytest.mark.integration
def test_blacklist_put_and_delete_answer_in_one_shape(region_cloud: RunningCloud) -> None:
    """PUT and DELETE both answer the standing after the decision; DELETE needs no body."""
    cloud = region_cloud
    path = "/api/v1/producers/93140703MA0SCEN01X/blacklist"
    put = cloud.http.put(path, json={"reason": "伪造记录"})
    assert put.status_code == 200, put.text
    assert put.json()["blacklisted"] is True
    assert put.json()["manual_blacklist"]["reason"] == "伪造记录"
    lifted = cloud.http.delete(path)
    assert lifted.status_code == 200, lifted.text
    assert set(lifted.json()) == set(put.json())
    assert lifted.json()["manual_blacklist"] is None
    standing = cloud.http.get("/api/v1/producers/93140703MA0SCEN01X/credit").json()
    assert standing["manual_blacklist"] is None
    with_reason = cloud.http.request("DELETE", path, json={"reason": "复查合格"})
    assert with_reason.status_code == 200
