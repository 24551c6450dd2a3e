"""Regulators' live stream carries only alerts committed to the cloud's own store.

Against a real cloud (uvicorn, ingest, SQLite) and a real broker: an alert published by hand on
an alert topic is never streamed; an alert committed by another process (a direct write to the
store, without any in-process wake-up) is.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import paho.mqtt.publish as mqtt_publish
import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.protocol import Kind, Rule
from agrisafe.protocol.topics import alert_topic
from cloud.domain import AlertDraft
from cloud.store import alerts as alert_store
from testkit.cloud import RunningCloud, SseReader, cloud_settings, running_cloud
from testkit.messages import encode, message, topic_of
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


def _forged_phi_violation() -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {
        "id": "forged-" + new_id(),
        "rule": "phi_violation",
        "severity": "critical",
        "site": "SX-TG-001",
        "subject": "plot:P1",
        "ts": now,
        "status": "open",
        "evidence": [],
        "detail": {},
        "cause": "forged",
        "region": "140522",
        "raised_at": now,
    }


def test_alert_published_by_hand_on_mqtt_never_reaches_the_stream(
    cloud: RunningCloud, embedded_broker: EmbeddedBroker
) -> None:
    reader = SseReader(cloud.base_url, cloud.admin_token)
    forged = _forged_phi_violation()
    # QoS 1 publish returns after the broker's PUBACK: the forgery is on the broker before the
    # real message below is even sent.
    mqtt_publish.single(
        alert_topic("140522", Rule.PHI_VIOLATION),
        orjson.dumps(forged),
        qos=1,
        hostname="127.0.0.1",
        port=embedded_broker.port,
    )
    real = message(Kind.RAPID_TEST, device="rt-01")
    mqtt_publish.single(
        topic_of(real), encode(real), qos=1, hostname="127.0.0.1", port=embedded_broker.port
    )
    assert wait_for(lambda: any(a["rule"] == "rapid_test_positive" for a in reader.alerts), 20)
    reader.close()
    assert [a["rule"] for a in reader.alerts] == ["rapid_test_positive"]
    assert all(a["id"] != forged["id"] for a in reader.alerts)
    listed = cloud.http.get("/api/v1/alerts", params={"rule": "phi_violation"}).json()
    assert listed["total"] == 0


def test_alert_committed_by_another_process_reaches_the_stream(cloud: RunningCloud) -> None:
    reader = SseReader(cloud.base_url, cloud.admin_token)
    draft = AlertDraft(
        rule=Rule.PHI_VIOLATION,
        site="SX-TG-001",
        subject="plot:P1",
        cause="harvest-" + new_id(),
        ts=datetime.now(UTC),
        evidence=("m-1",),
    )
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    # Written straight to the store, as an ingest worker process would: no in-process wake-up.
    with cloud.runtime.engine.begin() as conn:
        (opened,) = alert_store.raise_drafts(conn, [draft], lambda _site: "140522", now_ms)
    assert wait_for(lambda: len(reader.alerts) == 1, 20)
    reader.close()
    assert reader.alerts[0]["id"] == opened.id
    assert reader.alerts[0]["rule"] == "phi_violation"
