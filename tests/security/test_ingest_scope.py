"""Issue 13, finding 2 (and the ingest half of 3): scope and validation decided once, on the
validated envelope, inside ingest.

Before: a body orjson could not pre-parse (`NaN`, `Infinity`, `1e400`) skipped the HTTP scope
check, and pydantic accepted it — a SITE-A device token posting as SITE-B got 202. An
instrument could send input_use; event times in year 0001 or 9999 were accepted.
"""

import pytest

from testkit.cloud import RunningCloud
from testkit.compliance import TokenFactory
from testkit.ingest_hostile import JX, TG, quarantined, rapid, stored_ids, with_raw
from testkit.messages import message

pytest_plugins = ["testkit.compliance_api", "testkit.ingest_hostile"]
pytestmark = pytest.mark.integration


@pytest.mark.parametrize("raw_value", ["NaN", "Infinity", "1e400", "-Infinity"])
def test_a_device_token_cannot_post_as_another_site_with_an_unparsable_body(
    region_cloud: RunningCloud, client_for: TokenFactory, database_url: str, raw_value: str
) -> None:
    device = client_for(role="device", sites=[TG], device="rt-01")
    theirs = rapid(site=JX, result="positive")
    r = device.post("/api/v1/messages", content=with_raw(theirs, "inhibition_pct", raw_value))
    assert r.status_code in (403, 422), r.text
    # and with the number made harmless, the scope itself still holds
    r = device.post("/api/v1/messages", json=theirs)
    assert r.status_code == 403, r.text
    assert r.json()["reason"] == "out_of_scope"
    assert theirs["id"] in quarantined(region_cloud, "out_of_scope")
    assert stored_ids(region_cloud, JX) == set()
    alerts = region_cloud.http.get("/api/v1/alerts", params={"site": JX}).json()
    assert alerts["total"] == 0


def test_a_device_token_cannot_hide_another_site_in_an_array(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    device = client_for(role="device", sites=[TG], device="rt-01")
    mine, theirs = rapid(), rapid(site=JX)
    r = device.post("/api/v1/messages", json=[mine, theirs])
    assert r.status_code == 422, r.text
    assert [i["status"] for i in r.json()["results"]] == ["accepted", "quarantined"]
    assert stored_ids(region_cloud, JX) == set()


def test_a_device_type_sends_only_its_kinds(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    instrument = message("input_use", site=TG, device="rt-01")  # type: ignore[arg-type]
    r = region_cloud.http.post("/api/v1/messages", json=instrument)
    assert r.status_code == 403, r.text
    assert r.json()["reason"] == "kind_not_allowed"
    camera_test = rapid(device="cam-01")
    assert region_cloud.http.post("/api/v1/messages", json=camera_test).status_code == 403
    app = message("input_use", site=TG, device="app-zhang")  # type: ignore[arg-type]
    assert region_cloud.http.post("/api/v1/messages", json=app).status_code == 202


@pytest.mark.parametrize("ts", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_event_times_far_from_arrival_are_refused_with_a_reason(
    region_cloud: RunningCloud, ts: str
) -> None:
    env = rapid() | {"ts": ts}
    r = region_cloud.http.post("/api/v1/messages", json=env)
    assert r.status_code == 422, r.text
    assert r.json()["reason"] == "event_time"
    assert env["id"] in quarantined(region_cloud, "event_time")
