"""A real Mosquitto run with the files `agrisafe devices provision` wrote (loopback, free ports).

Clients connect over TLS with the generated CA and credentials; `reload()` sends SIGHUP, as an
operator does after re-provisioning.
"""

import json
import signal
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from cloud.provision.acl import Identity
from cloud.provision.broker_conf import BrokerPorts
from cloud.provision.provision import ProvisionResult, identity_dir, provision
from cloud.registry import RegistryFile
from testkit.net import free_port, port_open, start_server


class SecureMosquitto:
    """`mosquitto -c OUT/broker/mosquitto.conf` on two free loopback ports."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.ports = BrokerPorts(
            device=free_port(), cloud=free_port(), device_bind="127.0.0.1", hosts=["127.0.0.1"]
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = out / "mosquitto.log"

    def provision(self, registry: RegistryFile) -> ProvisionResult:
        """(Re-)provision from `registry` into `out`."""
        result = provision(registry, self.out, self.ports)
        conf = self.out / "broker" / "mosquitto.conf"
        # Started as root, Mosquitto would switch to the `mosquitto` user, which cannot read
        # the owner-only password files in a test's temp dir.
        conf.write_text(conf.read_text("utf-8") + "user root\n", "utf-8")
        return result

    def start(self) -> None:
        """Start and wait for both listeners.

        The ports are written into the provisioned broker config and the clients' settings, so
        a port taken before Mosquitto binds it is an error at once (with its log), never moved.
        """
        conf = str(self.out / "broker" / "mosquitto.conf")
        self.proc, _ = start_server(
            lambda _port: ["mosquitto", "-c", conf],
            self.log,
            self.ports.device,
            may_move=False,
            ready=lambda _port: port_open("127.0.0.1", self.ports.cloud),
            timeout_s=10,
        )

    def reload(self) -> None:
        """SIGHUP: Mosquitto re-reads the password and ACL files."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        """Terminate."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
        self.proc = None

    def credentials(self, ident: Identity) -> tuple[str, str]:
        """(username, password) the provisioner wrote for an identity."""
        doc = json.loads((identity_dir(self.out, ident) / "credentials.json").read_text("utf-8"))
        return str(doc["username"]), str(doc["password"])


@dataclass
class Client:
    """A connected paho client (MQTT 5, TLS) that records what it receives and acks."""

    mqtt: mqtt.Client
    connect_rc: ReasonCode | None = None
    connected: threading.Event = field(default_factory=threading.Event)
    disconnected: threading.Event = field(default_factory=threading.Event)
    received: list[tuple[str, bytes]] = field(default_factory=list)
    suback: dict[int, list[ReasonCode]] = field(default_factory=dict)
    got: threading.Condition = field(default_factory=threading.Condition)

    def subscribe(self, topic: str, timeout_s: float = 10) -> list[ReasonCode]:
        """Subscribe QoS 1; return the SUBACK reason codes."""
        _rc, mid = self.mqtt.subscribe(topic, qos=1)
        assert mid is not None, f"subscribe to {topic} not sent"
        with self.got:
            self.got.wait_for(lambda: mid in self.suback, timeout_s)
        return self.suback[mid]

    def publish(self, topic: str, payload: bytes, timeout_s: float = 10) -> None:
        """Publish QoS 1 and wait for the broker's PUBACK."""
        info = self.mqtt.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout_s)

    def wait_received(self, payload: bytes, timeout_s: float = 10) -> bool:
        """Wait until a message with this payload arrived."""
        with self.got:
            return self.got.wait_for(
                lambda: any(p == payload for _t, p in self.received), timeout_s
            )

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.mqtt.disconnect()
        self.mqtt.loop_stop()


def connect(
    broker: SecureMosquitto,
    port: int,
    creds: tuple[str, str] | None,
    *,
    client_id: str = "",
    timeout_s: float = 10,
) -> Client:
    """Connect over TLS with the provisioned CA; `connect_rc` says whether it was accepted."""
    paho = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    paho.tls_set(ca_certs=str(broker.out / "broker" / "ca.crt"), cert_reqs=ssl.CERT_REQUIRED)
    if creds is not None:
        paho.username_pw_set(*creds)
    client = Client(paho)

    def on_connect(_c: object, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        client.connect_rc = rc
        client.connected.set()

    def on_disconnect(_c: object, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        client.disconnected.set()
        client.connected.set()

    def on_message(_c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        with client.got:
            client.received.append((msg.topic, bytes(msg.payload)))
            client.got.notify_all()

    def on_subscribe(
        _c: object, _u: object, mid: int, codes: list[ReasonCode], _p: Properties | None
    ) -> None:
        with client.got:
            client.suback[mid] = codes
            client.got.notify_all()

    paho.on_connect, paho.on_disconnect = on_connect, on_disconnect
    paho.on_message, paho.on_subscribe = on_message, on_subscribe
    paho.reconnect_delay_set(60, 60)  # a refused client must not retry during the test
    paho.connect("127.0.0.1", port, keepalive=30)
    paho.loop_start()
    client.connected.wait(timeout_s)
    return client


def accepted(client: Client) -> bool:
    """True when the broker accepted the connection."""
    return client.connect_rc is not None and not client.connect_rc.is_failure
