"""The downlink end to end: cloud API → cloud broker → gateway → site broker → edge node → back.

Everything is real: two Mosquitto brokers (site, cloud), the cloud (HTTP API, ingest requiring
signatures, SQLite), a gateway between the brokers, and an edge node running a rendered video.
A snapshot command sent over HTTP comes back answered `done` with the node's evidence, through
the same signed, acknowledged path as every record, and both steps are in the audit trail. A
command the cloud did not sign, or one past its expiry, never enters the site.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from agrisafe.identity import generate_signing_key, public_text, write_signing_key
from agrisafe.identity.downlink import sign_command
from agrisafe.ids import new_id
from agrisafe.protocol.commands import Command
from agrisafe.protocol.enums import CommandName
from agrisafe.protocol.topics import command_topic
from edge.app import EdgeApp
from edge.app import build_app as build_edge
from edge.config import SiteConfig
from edge.detect import load_detector
from edge.params import DetectorParams
from gateway.app import GatewayApp
from gateway.app import build_app as build_gateway
from gateway.config import GatewayConfig
from testkit.cloud import RunningCloud, cloud_settings, running_cloud
from testkit.edge_media import brightness_video, yolo_model
from testkit.net import wait_for
from testkit.services import PrivateMosquitto
from testkit.trust_keys import SITE, KeyedRegistry, keyed_registry

pytestmark = pytest.mark.integration
DEVICE = "cam-01"


@dataclass
class Field:
    cloud: RunningCloud
    gateway: GatewayApp
    edge: EdgeApp
    cloud_broker: PrivateMosquitto
    keyed: KeyedRegistry


@pytest.fixture
def field(tmp_path: Path) -> Iterator[Field]:
    site_broker = PrivateMosquitto(tmp_path / "site")
    cloud_broker = PrivateMosquitto(tmp_path / "cloud")
    site_broker.start()
    cloud_broker.start()
    keyed = keyed_registry("required")
    registry = tmp_path / "registry.yaml"
    registry.write_text(yaml.safe_dump(keyed.registry.model_dump(mode="json", exclude_none=True)))
    settings = cloud_settings(tmp_path / "cloud-data", cloud_broker.url(), registry_file=registry)
    with running_cloud(settings) as cloud:
        assert cloud.runtime.commands is not None
        cloud_key = public_text(cloud.runtime.commands.key)
        gw_cfg = GatewayConfig(
            site=SITE,
            gateway="gw-1",
            local_mqtt_url=site_broker.url(),
            cloud_mqtt_url=cloud_broker.url(),
            signatures="required",
            device_keys={DEVICE: public_text(keyed.keys[DEVICE])},
            cloud_key=cloud_key,
            telemetry_interval_s=3600,
        )
        gateway = build_gateway(
            gw_cfg, site_broker.address(), cloud_broker.address(), tmp_path / "gw"
        )
        gateway.start()
        key_file = tmp_path / "cam-01.key"
        write_signing_key(key_file, keyed.keys[DEVICE])
        video = brightness_video(tmp_path / "v.mp4", [(1.0, False), (2.0, True)])
        edge_cfg = SiteConfig.model_validate(
            {
                "site": SITE,
                "device": DEVICE,
                "signing_key": str(key_file),
                "cloud_key": cloud_key,
                "telemetry_interval_s": 3600,
                "cameras": [{"name": "gate", "source": str(video), "realtime": False}],
            }
        )
        detector = load_detector(yolo_model(tmp_path / "m.onnx"), DetectorParams())
        edge = build_edge(
            edge_cfg,
            detector,
            tmp_path / "edge",
            site_broker.address(),
            start_time=datetime(2026, 5, 1, tzinfo=UTC),
        )
        edge.start()
        try:
            assert edge.wait_cameras(60)  # the file ends; its last frame stays for snapshots
            assert edge.pump is not None
            assert wait_for(
                lambda: edge.pump is not None and edge.pump.session.subscribed.is_set(), 10
            )
            assert wait_for(lambda: gateway.pump.session.subscribed.is_set(), 10)
            yield Field(cloud, gateway, edge, cloud_broker, keyed)
        finally:
            edge.stop()
            gateway.stop()
    site_broker.stop()
    cloud_broker.stop()


def _commands(cloud: RunningCloud) -> list[dict[str, Any]]:
    r = cloud.http.get(f"/api/v1/sites/{SITE}/commands")
    r.raise_for_status()
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_a_snapshot_command_is_answered_with_evidence_and_audited(field: Field) -> None:
    r = field.cloud.http.post(
        f"/api/v1/sites/{SITE}/devices/{DEVICE}/commands",
        json={"name": "snapshot", "params": {"camera": "gate"}, "ttl_s": 120},
    )
    assert r.status_code == 202, r.text
    sent = r.json()
    assert sent["status"] == "sent"

    def answered() -> bool:
        return any(c["id"] == sent["id"] and c["status"] != "sent" for c in _commands(field.cloud))

    assert wait_for(answered, 30), _commands(field.cloud)
    [cmd] = [c for c in _commands(field.cloud) if c["id"] == sent["id"]]
    assert cmd["status"] == "done", cmd
    [ref] = cmd["evidence"]
    assert ref["media"] == "image/jpeg"
    assert field.edge.evidence is not None
    assert any(p.sha256 == ref["sha256"] for p in field.edge.evidence.pending(100))
    # The answer is a stored record like any other (signed by the node, verified on ingest).
    recs = field.cloud.http.get("/api/v1/records", params={"site": SITE, "kind": "command_result"})
    assert recs.status_code == 200, recs.text
    assert [i["id"] for i in recs.json()["items"]] == [cmd["result_record"]]
    audit = field.cloud.http.get("/api/v1/audit", params={"limit": 1000}).json()["items"]
    mine = [a for a in audit if a["target"] == f"command:{sent['id']}"]
    assert sorted(a["action"] for a in mine) == ["command.issue", "command.result"]
    assert field.gateway.downlink.stats.relayed == 1


def test_bad_params_are_refused_before_anything_is_sent(field: Field) -> None:
    r = field.cloud.http.post(
        f"/api/v1/sites/{SITE}/devices/{DEVICE}/commands",
        json={"name": "set_thresholds", "params": {"conf": 2.0}},
    )
    assert r.status_code == 422, r.text
    r = field.cloud.http.post(
        f"/api/v1/sites/{SITE}/devices/nobody/commands", json={"name": "snapshot"}
    )
    assert r.status_code == 404, r.text
    assert _commands(field.cloud) == []


def _publish(broker: PrivateMosquitto, topic: str, payload: bytes) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, f"forger-{new_id()[-8:]}")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def test_forged_and_expired_commands_never_enter_the_site(field: Field) -> None:
    now = datetime.now(UTC)
    forged = Command(
        id=new_id(),
        site=SITE,
        device=DEVICE,
        name=CommandName.SNAPSHOT,
        issued=now,
        expires=now + timedelta(minutes=5),
        by="attacker",
    )
    assert field.cloud.runtime.commands is not None
    stale = forged.model_copy(
        update={"id": new_id(), "expires": now - timedelta(seconds=1), "by": "admin"}
    )
    topic = command_topic(SITE, DEVICE, "snapshot")
    _publish(field.cloud_broker, topic, sign_command(forged, generate_signing_key()))
    _publish(field.cloud_broker, topic, sign_command(stale, field.cloud.runtime.commands.key))
    _publish(field.cloud_broker, topic, b"\xff not json")
    assert wait_for(lambda: field.gateway.downlink.stats.refused == 3, 15)
    reasons = sorted(
        r.reason for r in field.gateway.quarantine.recent(100) if r.reason[:8] == "command_"
    )
    assert reasons == ["command_bad_signature", "command_expired", "command_malformed"]
    assert field.gateway.downlink.stats.relayed == 0
