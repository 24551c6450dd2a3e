"""Roles and region isolation against the real API (a regulator never sees another region)."""

import pytest
from sqlalchemy import select

from cloud.store import compliance_tables as ct
from testkit.cloud import RunningCloud, SseReader
from testkit.compliance import TokenFactory, env, post
from testkit.net import wait_for

TG, JX = "SX-TG-001", "SX-JX-002"  # regions 140703 and 140781

pytest_plugins = ["testkit.compliance_api"]


def positive(site: str, sample: str) -> dict[str, object]:
    body = {
        "sample": sample,
        "commodity": "黄瓜",
        "method": "enzyme_inhibition",
        "analyte": "有机磷",
        "result": "positive",
        "inhibition_pct": 70.0,
    }
    return env("rapid_test", "2026-05-04T10:00:00+08:00", body, site=site, device="rt-01")


@pytest.mark.integration
def test_a_regulator_sees_only_its_region(
    region_cloud: RunningCloud, client_for: TokenFactory, database_url: str
) -> None:
    cloud = region_cloud
    reg = client_for(role="regulator", regions=["140703"])
    reader = SseReader(cloud.base_url, reg.token)  # type: ignore[attr-defined]
    admin_reader = SseReader(cloud.base_url, cloud.admin_token)
    mine, theirs = positive(TG, "S-MINE"), positive(JX, "S-THEIRS")
    assert post(cloud.http, mine, theirs).status_code == 202
    assert wait_for(lambda: len(admin_reader.alerts) == 2, 10)
    assert wait_for(lambda: len(reader.alerts) >= 1, 10)
    reader.close()
    admin_reader.close()
    assert [a["site"] for a in reader.alerts] == [TG]

    records = reg.get("/api/v1/records").json()
    assert {i["site"] for i in records["items"]} == {TG}
    assert reg.get("/api/v1/records", params={"site": JX}).json()["total"] == 0
    alerts = reg.get("/api/v1/alerts").json()
    assert [a["site"] for a in alerts["items"]] == [TG]
    assert [s["id"] for s in reg.get("/api/v1/sites").json()["items"]] == [TG]

    other = cloud.http.get("/api/v1/alerts", params={"site": JX}).json()["items"][0]
    assert reg.get(f"/api/v1/alerts/{other['id']}").status_code == 404
    assert reg.post(f"/api/v1/alerts/{other['id']}/acknowledge").status_code == 404
    resolve = {"reason": "not mine"}
    assert reg.post(f"/api/v1/alerts/{other['id']}/resolve", json=resolve).status_code == 404
    own = alerts["items"][0]
    assert reg.post(f"/api/v1/alerts/{own['id']}/acknowledge").status_code == 200
    credit = reg.get("/api/v1/credit").json()
    assert [c["producer"] for c in credit["items"]] == ["93140703MA0SCEN01X"]
    assert reg.get("/api/v1/producers/92140781MA0SCEN02Y/credit").status_code == 404


@pytest.mark.integration
def test_roles_limit_what_each_caller_may_do(client_for: TokenFactory) -> None:
    device = client_for(role="device", sites=[TG], device="rt-01")
    producer = client_for(role="producer", producer="93140703MA0SCEN01X")
    expert = client_for(role="expert", regions=["140703"])
    regulator = client_for(role="regulator", regions=["140703"])

    assert post(device, positive(TG, "S-D1")).status_code == 202
    as_other = positive(TG, "S-D2") | {"device": "rt-99"}
    r = post(device, as_other)
    assert r.status_code == 403, r.text
    assert post(device, positive(JX, "S-D3")).status_code == 403
    assert device.get("/api/v1/records").status_code == 403
    assert device.get("/api/v1/alerts").status_code == 403

    assert post(producer, positive(JX, "S-P1")).status_code == 403
    assert {i["site"] for i in producer.get("/api/v1/records").json()["items"]} == {TG}
    assert post(regulator, positive(TG, "S-R1")).status_code == 403  # regulators do not record
    assert post(expert, positive(TG, "S-E1")).status_code == 403

    alert = regulator.get("/api/v1/alerts").json()["items"][0]
    assert expert.get(f"/api/v1/alerts/{alert['id']}").status_code == 200
    assert expert.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 403
    r = producer.post(f"/api/v1/alerts/{alert['id']}/resolve", json={"reason": "x"})
    assert r.status_code == 403
    assert regulator.get("/api/v1/tokens").status_code == 403
    assert regulator.post("/api/v1/tokens", json={"name": "x", "role": "admin"}).status_code == 403
    assert regulator.get("/api/v1/audit").status_code == 403


@pytest.mark.integration
def test_tokens_are_hashed_at_rest_and_revocable(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    cloud = region_cloud
    reg = client_for(role="regulator", regions=["140703"])
    token = reg.token  # type: ignore[attr-defined]
    with cloud.runtime.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(ct.api_tokens)).mappings()]
    assert all(token not in str(v) for row in rows for v in row.values())
    listed = cloud.http.get("/api/v1/tokens").json()["items"]
    assert all("token_hash" not in t and "token" not in t for t in listed)
    assert reg.get("/api/v1/alerts").status_code == 200
    # The first token listed is the admin the test cloud minted with its bootstrap token.
    token_id = reg.token_id  # type: ignore[attr-defined]
    assert token_id in [t["id"] for t in listed]
    assert cloud.http.delete(f"/api/v1/tokens/{token_id}").status_code == 200
    assert reg.get("/api/v1/alerts").status_code == 401


@pytest.mark.integration
def test_a_scope_is_required_for_scoped_roles(region_cloud: RunningCloud) -> None:
    r = region_cloud.http.post("/api/v1/tokens", json={"name": "r", "role": "regulator"})
    assert r.status_code == 422
    r = region_cloud.http.post(
        "/api/v1/tokens", json={"name": "r", "role": "regulator", "regions": ["14"]}
    )
    assert r.status_code == 422
