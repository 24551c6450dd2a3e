"""Issue 13, finding 1: one message must never stop ingest (replayed against a real cloud).

Before: an integer above 64 bits made `orjson.dumps` raise in decode and the batch was retried
forever; on PostgreSQL a `\\u0000` failed the JSONB insert — and the quarantine insert too;
over HTTP both gave 500. Now each such message is quarantined with its raw bytes and a reason,
and the messages after it are stored.
"""

import orjson
import pytest

from agrisafe.mqtt import MqttSession
from testkit.cloud import RunningCloud
from testkit.ingest_hostile import BIG, publish, quarantined, rapid, stored_ids, with_raw
from testkit.net import wait_for

pytest_plugins = ["testkit.ingest_hostile"]
pytestmark = pytest.mark.integration

NUL_STRING = '"bad\\u0000value"'


@pytest.mark.parametrize("raw_value", [BIG, NUL_STRING, "NaN", "1e400", "[" * 40 + "]" * 40])
def test_a_poison_message_over_mqtt_is_quarantined_and_ingest_goes_on(
    hostile_cloud: RunningCloud, publisher: MqttSession, database_url: str, raw_value: str
) -> None:
    poison, after = rapid(), rapid()
    publish(publisher, poison, with_raw(poison, "x", raw_value))
    publish(publisher, after)
    assert wait_for(lambda: after["id"] in stored_ids(hostile_cloud), 20)
    kept = quarantined(hostile_cloud, "unsafe_json")
    assert poison["id"] in kept
    assert kept[poison["id"]]["raw_text"].endswith(f'"x":{raw_value}}}}}')
    assert poison["id"] not in stored_ids(hostile_cloud)
    assert hostile_cloud.http.get("/api/v1/health").json()["status"] == "ok"


@pytest.mark.parametrize("raw_value", [BIG, NUL_STRING, "NaN", "Infinity", "-1e400"])
def test_a_poison_message_over_http_is_422_with_a_reason(
    hostile_cloud: RunningCloud, database_url: str, raw_value: str
) -> None:
    env = rapid()
    r = hostile_cloud.http.post("/api/v1/messages", content=with_raw(env, "x", raw_value))
    assert r.status_code == 422, r.text
    assert r.json()["reason"] == "unsafe_json"
    assert r.json()["errors"][0]["reason"]
    arr = b"[" + orjson.dumps(rapid()) + b"," + with_raw(env, "y", raw_value) + b"]"
    r = hostile_cloud.http.post("/api/v1/messages", content=arr)
    assert r.status_code == 422, r.text


def test_nul_everywhere_reaches_quarantine_safely(
    hostile_cloud: RunningCloud, database_url: str
) -> None:
    """NUL in the id, in a key and in an unregistered sender's message: all kept, no 500."""
    bodies = [
        b'{"v":1,"id":"abc\\u0000defgh","kind":"status"}',
        with_raw(rapid(), '\\u0000key"', "1"),
        with_raw(rapid(device="nobody\\u0000"), "z", NUL_STRING),
        b'{"v":1,"id":"\\ud800abcdefgh","kind":"status"}',
    ]
    for body in bodies:
        r = hostile_cloud.http.post("/api/v1/messages", content=body)
        assert r.status_code in (403, 422), r.text
    q = hostile_cloud.http.get("/api/v1/quarantine", params={"limit": 100}).json()
    assert q["total"] == len(bodies)
    assert all("raw_text" in i or "raw_hex" in i for i in q["items"])
