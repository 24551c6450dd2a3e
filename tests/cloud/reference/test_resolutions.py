"""An unverifiable input holds the lot's certificate until a regulator or expert resolves it
through the API; the resolution is audited and a new request is decided against it."""

from typing import Any

import pytest

from testkit.cloud import RunningCloud
from testkit.compliance import TokenFactory, env, post, spray

pytest_plugins = ["testkit.compliance_api"]


def _decision(cloud: RunningCloud, request_id: str) -> dict[str, Any]:
    [item] = cloud.http.get("/api/v1/certificates", params={"request_id": request_id}).json()[
        "items"
    ]
    return dict(item)


def _request(lot: str, ts: str) -> dict[str, Any]:
    return env(
        "certificate_request",
        ts,
        {"lot": lot, "commodity": "黄瓜", "qty_kg": 50, "basis": ["control"]},
    )


@pytest.mark.integration
def test_a_mapped_trade_name_releases_the_certificate(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    cloud = region_cloud
    # "阿维虫清" is a trade name no table knows: the spray cannot be checked.
    use = env(
        "input_use",
        "2026-05-01T08:00:00+08:00",
        spray("P1", "黄瓜", ["阿维虫清"], formulation="1.8% EC") | {"operator": "张三"},
    )
    harvest = env(
        "harvest",
        "2026-05-05T08:00:00+08:00",
        {"plot": "P1", "crop": "黄瓜", "lot": "L-RES-1", "qty_kg": 50},
    )
    first = _request("L-RES-1", "2026-05-05T09:00:00+08:00")
    assert post(cloud.http, use, harvest, first).status_code < 300
    refused = _decision(cloud, first["id"])
    assert refused["status"] == "refused"
    assert refused["reasons"] == [{"reason": "unverified_input", "cause": use["id"]}]

    producer = client_for(role="producer", sites=["SX-TG-001"])
    mapping = {
        "kind": "ingredient",
        "name": "阿维虫清",
        "to": "阿维菌素",
        "source": "label:PD20990002",
    }
    assert (
        producer.post("/api/v1/reference/resolutions", json={"mapping": mapping}).status_code == 403
    )
    expert = client_for(role="expert", regions=["140703"])
    made = expert.post("/api/v1/reference/resolutions", json={"mapping": mapping})
    assert made.status_code == 201, made.text
    bad = expert.post(
        "/api/v1/reference/resolutions",
        json={"mapping": mapping | {"kind": "crop", "to": "不存在的作物"}},
    )
    assert bad.status_code == 422
    # A mapping resolves a name the data did not know: re-pointing a banned substance (which
    # would switch its national ban off for every region) is refused.
    rogue = {"kind": "ingredient", "name": "甲胺磷", "to": "吡虫啉", "source": "label:PD1"}
    refused_map = expert.post("/api/v1/reference/resolutions", json={"mapping": rogue})
    assert refused_map.status_code == 422
    assert "already means" in refused_map.text

    second = _request("L-RES-1", "2026-05-05T10:00:00+08:00")
    assert post(cloud.http, second).status_code < 300
    assert _decision(cloud, second["id"])["status"] == "issued"  # 阿维菌素 on 黄瓜: PHI 2 d
    assert _decision(cloud, first["id"])["status"] == "refused"  # the record of the refusal stays
    audit = cloud.http.get("/api/v1/audit").json()["items"]
    assert any(a["action"] == "reference.mapping.add" for a in audit)
