"""Alert lifecycle with who / when / why, credit traceable to alerts, label reference entries."""

import pytest

from testkit.cloud import RunningCloud
from testkit.compliance import TokenFactory, env, post, spray

PRODUCER = "93140703MA0SCEN01X"

pytest_plugins = ["testkit.compliance_api"]


@pytest.mark.integration
def test_acknowledge_then_resolve_leaves_an_audit_trail(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    cloud = region_cloud
    reg = client_for(name="监管员王", role="regulator", regions=["140703"])
    ban = env("input_use", "2026-05-01T08:00:00+08:00", spray("P3", "小麦", ["百草枯"]))
    assert post(cloud.http, ban).status_code == 202
    [alert] = reg.get("/api/v1/alerts").json()["items"]
    assert alert["status"] == "open"

    acked = reg.post(f"/api/v1/alerts/{alert['id']}/acknowledge", json={"note": "已电话联系"})
    assert acked.status_code == 200
    assert (acked.json()["status"], acked.json()["acknowledged_by"]) == ("acknowledged", "监管员王")
    assert reg.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 409
    assert reg.post(f"/api/v1/alerts/{alert['id']}/resolve", json={}).status_code == 422
    done = reg.post(
        f"/api/v1/alerts/{alert['id']}/resolve", json={"reason": "现场核查，已责令整改并处罚款"}
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["resolved_by"], body["resolution"]) == (
        "resolved",
        "监管员王",
        "现场核查，已责令整改并处罚款",
    )
    assert body["resolved_at"] >= body["acknowledged_at"]
    again = reg.post(f"/api/v1/alerts/{alert['id']}/resolve", json={"reason": "again"})
    assert again.status_code == 409
    history = reg.get(f"/api/v1/alerts/{alert['id']}").json()["history"]
    assert [(h["action"], h["actor"]) for h in history] == [
        ("alert.acknowledge", "监管员王"),
        ("alert.resolve", "监管员王"),
    ]
    # Every audit entry names the token that acted (issue 13).
    assert history[0]["detail"] == {"note": "已电话联系", "token_id": reg.token_id}  # type: ignore[attr-defined]


@pytest.mark.integration
def test_credit_changes_trace_to_alerts_and_dismissal_refunds(
    region_cloud: RunningCloud,
) -> None:
    cloud = region_cloud
    bans = [
        env("input_use", f"2026-05-0{d}T08:00:00+08:00", spray("P3", "小麦", ["百草枯"]))
        for d in (1, 2)
    ]
    assert post(cloud.http, *bans).status_code == 202
    credit = cloud.http.get(f"/api/v1/producers/{PRODUCER}/credit").json()
    assert (credit["score"], credit["level"], credit["blacklisted"]) == (60, "C", False)
    alerts = {a["id"] for a in cloud.http.get("/api/v1/alerts").json()["items"]}
    assert {e["alert_id"] for e in credit["events"]} == alerts
    assert [e["delta"] for e in credit["events"]] == [-20, -20]

    wrong = credit["events"][0]["alert_id"]
    r = cloud.http.post(
        f"/api/v1/alerts/{wrong}/resolve", json={"reason": "记录录入错误", "dismiss": True}
    )
    assert r.status_code == 200
    after = cloud.http.get(f"/api/v1/producers/{PRODUCER}/credit").json()
    assert after["score"] == 80
    assert after["events"][-1]["delta"] == 20
    assert after["events"][-1]["alert_id"] == wrong

    # Two more: 80 − 40 = 40, below the blacklist threshold (60).
    third = env("input_use", "2026-05-03T08:00:00+08:00", spray("P3", "小麦", ["甲胺磷"]))
    fourth = env("input_use", "2026-05-04T08:00:00+08:00", spray("P3", "小麦", ["甲胺磷"]))
    post(cloud.http, third, fourth)
    final = cloud.http.get(f"/api/v1/producers/{PRODUCER}/credit").json()
    assert (final["score"], final["level"], final["blacklisted"]) == (40, "D", True)


@pytest.mark.integration
def test_a_label_entry_by_registration_number_is_audited_and_applied(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    cloud = region_cloud
    entry = {
        "id": "LBL-1",
        "reg_no": "PD20990001",
        "product": "某阿维菌素乳油",
        "ingredient": "阿维菌素",
        "crop": "黄瓜",
        "phi_days": 5,
        "max_per_season": 2,
        "source": "label:PD20990001",
    }
    reg = client_for(role="regulator", regions=["140703"])
    assert reg.post("/api/v1/reference/phi", json=entry).status_code == 403
    unsourced = cloud.http.post("/api/v1/reference/phi", json=entry | {"source": "A"})
    assert unsourced.status_code == 422
    assert (
        cloud.http.post("/api/v1/reference/phi", json=entry | {"crop": "火星菜"}).status_code == 422
    )
    created = cloud.http.post("/api/v1/reference/phi", json=entry)
    assert created.status_code == 201
    lookup = cloud.http.get(
        "/api/v1/reference/phi",
        params={"crop": "黄瓜", "ingredient": "阿维菌素", "reg_no": "PD20990001"},
    ).json()
    assert (lookup["phi_days"], lookup["choices"][0]["level"]) == (5, "reg_no")
    # The registration number alone finds the label and names its ingredient.
    by_number = cloud.http.get(
        "/api/v1/reference/phi", params={"crop": "黄瓜", "reg_no": "PD20990001"}
    ).json()
    assert (by_number["phi_days"], by_number["choices"][0]["ingredient"]) == (5, "阿维菌素")

    # The label's 5 days apply to that product; the generic row (2 days) to others.
    labelled = spray("P1", "黄瓜", ["阿维菌素"], reg_no="PD20990001")
    generic = spray("P1", "黄瓜", ["阿维菌素"], formulation="1.8% EC")
    msgs = [
        env("input_use", "2026-05-01T08:00:00+08:00", labelled),
        env("input_use", "2026-05-01T09:00:00+08:00", generic),
        env("harvest", "2026-05-04T08:00:00+08:00", {"plot": "P1", "crop": "黄瓜", "lot": "L1"}),
    ]
    assert post(cloud.http, *msgs).status_code == 202
    [phi] = cloud.http.get("/api/v1/alerts", params={"rule": "phi_violation"}).json()["items"]
    assert (phi["cause"], phi["detail"]["phi_days"]) == (msgs[0]["id"], 5)
    audit = cloud.http.get("/api/v1/audit").json()["items"]
    assert audit[0]["action"] == "reference.phi.add"
    assert audit[0]["detail"]["reg_no"] == "PD20990001"
    entry_id = created.json()["id"]
    assert cloud.http.delete(f"/api/v1/reference/entries/{entry_id}").status_code == 200
    info = cloud.http.get("/api/v1/reference").json()
    assert info["label_entries"] == []
