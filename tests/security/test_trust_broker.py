"""Spoofing at the broker, against a real Mosquitto run with `agrisafe devices provision` files.

Loopback only, free ports, TLS with the generated CA. A refused publish is silent in MQTT, so
each check sends a marker after the forbidden message, on the same connection: once the
watcher has the marker, the forbidden message (sent first, acknowledged first) would have been
there too.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from agrisafe.identity import load_signing_key, public_text
from agrisafe.ids import new_id
from cloud.provision.acl import Identity, Role
from cloud.provision.provision import identity_dir
from cloud.registry import RegistryFile, load_registry_file
from gateway.config import GatewayConfig
from testkit.net import wait_for
from testkit.paths import DEMO_SITE_FILE
from testkit.trust_broker import Client, SecureMosquitto, accepted, connect

SITE, OTHER = "SX-TG-001", "SX-TG-002"
RT = Identity(Role.DEVICE, SITE, "rt-01")
CAM = Identity(Role.DEVICE, SITE, "cam-01")
FAR = Identity(Role.DEVICE, OTHER, "rt-01")
CLOUD = Identity(Role.CLOUD)
GW = Identity(Role.GATEWAY, SITE)


def _registry(*, without: str | None = None) -> RegistryFile:
    base = load_registry_file(DEMO_SITE_FILE)
    site = base.sites[0]
    devices = [d for d in site.devices if d.id != without]
    other = site.model_copy(update={"id": OTHER, "devices": site.devices[:1]})
    return base.model_copy(update={"sites": [site.model_copy(update={"devices": devices}), other]})


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureMosquitto]:
    b = SecureMosquitto(tmp_path_factory.mktemp("secure-broker"))
    b.provision(_registry())
    b.start()
    yield b
    b.stop()


def _device(broker: SecureMosquitto, ident: Identity, client_id: str = "") -> Client:
    client = connect(broker, broker.ports.device, broker.credentials(ident), client_id=client_id)
    assert accepted(client), client.connect_rc
    return client


def _cloud(broker: SecureMosquitto, client_id: str = "") -> Client:
    client = connect(broker, broker.ports.cloud, broker.credentials(CLOUD), client_id=client_id)
    assert accepted(client), client.connect_rc
    return client


def _marker() -> bytes:
    return f"marker-{new_id()}".encode()


def test_anonymous_clients_are_refused(broker: SecureMosquitto) -> None:
    for port in (broker.ports.device, broker.ports.cloud):
        client = connect(broker, port, None)
        assert not accepted(client)
        client.close()


def test_device_publishing_as_another_device_is_dropped(broker: SecureMosquitto) -> None:
    watcher = _cloud(broker)
    assert not watcher.subscribe(f"agrisafe/v1/{SITE}/#")[0].is_failure
    rt = _device(broker, RT)
    forged, marker = _marker(), _marker()
    rt.publish(f"agrisafe/v1/{SITE}/cam-01/activity", forged)
    rt.publish(f"agrisafe/v1/{OTHER}/rt-01/rapid_test", forged)
    rt.publish(f"agrisafe/v1/{SITE}/rt-01/rapid_test", marker)
    assert watcher.wait_received(marker)
    assert [p for _t, p in watcher.received if p == forged] == []
    rt.close()
    watcher.close()


def test_device_reads_only_its_own_cmd_topics(broker: SecureMosquitto) -> None:
    rt = _device(broker, RT)
    # Mosquitto 2.0 may grant a wildcard SUBACK; its read ACL then withholds every message.
    for topic in (f"agrisafe/v1/{OTHER}/#", "agrisafe/v1/#", "agrisafe/cloud/#"):
        rt.subscribe(topic)
    assert not rt.subscribe(f"agrisafe/v1/{SITE}/rt-01/cmd/#")[0].is_failure
    far = _device(broker, FAR)
    secret = _marker()
    far.publish(f"agrisafe/v1/{OTHER}/rt-01/rapid_test", secret)
    cloud = _cloud(broker)
    cloud.publish("agrisafe/cloud/v1/alerts/140703/phi_violation", secret)
    cmd = _marker()
    cloud.publish(f"agrisafe/v1/{SITE}/rt-01/cmd/snapshot", cmd)
    assert rt.wait_received(cmd)
    # (cmd may arrive once per matching subscription; nothing else may arrive at all)
    assert {p for _t, p in rt.received} == {cmd}
    for c in (rt, far, cloud):
        c.close()


def test_a_device_and_its_gateway_read_the_cloud_acks_to_it_and_no_others(
    broker: SecureMosquitto,
) -> None:
    """End-to-end acks reach their sender through the ACL (else an outbox re-sends forever)."""
    rt, gw = _device(broker, RT), _device(broker, GW)
    assert not rt.subscribe(f"agrisafe/cloud/v1/ack/{SITE}/+")[0].is_failure
    assert not gw.subscribe(f"agrisafe/cloud/v1/ack/{SITE}/+")[0].is_failure
    cloud = _cloud(broker)
    to_cam, to_rt = _marker(), _marker()
    cloud.publish(f"agrisafe/cloud/v1/ack/{SITE}/cam-01", to_cam)
    cloud.publish(f"agrisafe/cloud/v1/ack/{OTHER}/rt-01", to_cam)
    cloud.publish(f"agrisafe/cloud/v1/ack/{SITE}/rt-01", to_rt)
    assert rt.wait_received(to_rt)
    assert {p for _t, p in rt.received} == {to_rt}
    assert gw.wait_received(to_rt)
    assert {p for _t, p in gw.received} == {to_cam, to_rt}
    assert [t for t, p in gw.received if t.startswith(f"agrisafe/cloud/v1/ack/{OTHER}/")] == []
    for c in (rt, gw, cloud):
        c.close()


def test_device_publishing_on_cloud_topics_is_dropped(broker: SecureMosquitto) -> None:
    watcher = _cloud(broker)
    watcher.subscribe("agrisafe/cloud/#")
    rt = _device(broker, RT)
    forged = _marker()
    rt.publish("agrisafe/cloud/v1/alerts/140703/phi_violation", forged)
    rt.publish(f"agrisafe/v1/{SITE}/rt-01/rapid_test", _marker())  # flushes rt's session
    marker = _marker()
    watcher.publish("agrisafe/cloud/v1/alerts/140703/phi_violation", marker)
    assert watcher.wait_received(marker)
    assert [p for _t, p in watcher.received] == [marker]
    rt.close()
    watcher.close()


def test_cloud_client_ids_cannot_be_taken_over(broker: SecureMosquitto) -> None:
    cloud = _cloud(broker, client_id="cloud-ingest-0")
    cloud.subscribe(f"agrisafe/v1/{SITE}/#")
    # On the device listener the client id becomes the username: no session is taken over.
    rt = _device(broker, RT, client_id="cloud-ingest-0")
    # A device's login is unknown on the cloud listener.
    intruder = connect(
        broker, broker.ports.cloud, broker.credentials(RT), client_id="cloud-ingest-0"
    )
    assert not accepted(intruder)
    intruder.close()
    marker = _marker()
    rt.publish(f"agrisafe/v1/{SITE}/rt-01/rapid_test", marker)
    assert cloud.wait_received(marker)
    assert not cloud.disconnected.is_set()
    rt.close()
    cloud.close()


def test_gateway_writes_its_site_only(broker: SecureMosquitto) -> None:
    watcher = _cloud(broker)
    watcher.subscribe("$share/trust-test/agrisafe/v1/#")  # the cloud's shared subscription
    gw = _device(broker, GW)
    forged, relayed = _marker(), _marker()
    gw.publish(f"agrisafe/v1/{OTHER}/rt-01/rapid_test", forged)
    gw.publish(f"agrisafe/v1/{SITE}/cam-01/activity", relayed)
    assert watcher.wait_received(relayed)
    assert [p for _t, p in watcher.received] == [relayed]
    gw.close()
    watcher.close()


def test_revoked_device_is_refused_after_sighup(tmp_path: Path) -> None:
    broker = SecureMosquitto(tmp_path)
    broker.provision(_registry())
    broker.start()
    try:
        before = _device(broker, CAM)
        before.close()
        creds = broker.credentials(CAM)
        broker.provision(_registry(without="cam-01"))  # removed from the registry
        broker.reload()

        def refused() -> bool:
            client = connect(broker, broker.ports.device, creds)
            client.close()
            return not accepted(client)

        assert wait_for(refused, 15, 0.2)
        _device(broker, RT).close()  # the others keep working, the broker never restarted
        assert broker.proc is not None
        assert broker.proc.poll() is None
    finally:
        broker.stop()


def test_gateway_reads_its_sites_commands_only(broker: SecureMosquitto) -> None:
    """The downlink through the ACL: the cloud's commands for the site reach its gateway (which
    relays them); another site's never do, whatever it subscribes to."""
    gw = _device(broker, GW)
    assert not gw.subscribe(f"agrisafe/v1/{SITE}/+/cmd/+")[0].is_failure
    gw.subscribe(f"agrisafe/v1/{OTHER}/+/cmd/+")
    cloud = _cloud(broker)
    theirs, ours = _marker(), _marker()
    cloud.publish(f"agrisafe/v1/{OTHER}/rt-01/cmd/snapshot", theirs)
    cloud.publish(f"agrisafe/v1/{SITE}/cam-01/cmd/snapshot", ours)
    assert gw.wait_received(ours)
    assert [p for _t, p in gw.received] == [ours]
    gw.close()
    cloud.close()


def test_provision_keys_the_cloud_and_gateways_and_publishes_the_clouds_public_half(
    broker: SecureMosquitto,
) -> None:
    cloud_key = load_signing_key(identity_dir(broker.out, CLOUD) / "signing.key")
    published = (broker.out / "cloud-public.key").read_text("utf-8").strip()
    assert published == public_text(cloud_key)
    gateway = GatewayConfig(
        site=SITE,
        local_mqtt_url="mqtt://127.0.0.1:1",
        cloud_key_file=broker.out / "cloud-public.key",
        signing_key=identity_dir(broker.out, GW) / "signing.key",
    )
    assert gateway.cloud_verify_key() == cloud_key.public_key()
    assert (identity_dir(broker.out, GW) / "signing.key").exists()
