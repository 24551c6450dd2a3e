"""bench/gateway: catch-up after a WAN outage vs direct publish, and the gateway at 20 devices.

    .venv/bin/python bench/gateway/bench_gateway.py [--messages 20000] [--seconds 30] > out.json

Same run, same machine, private Mosquitto brokers on free loopback ports:
- `direct`: N QoS 1 messages published straight to the cloud broker and taken by an acking
  consumer (the cloud's part, reduced to receiving and acknowledging ids);
- `catch_up`: the same N published to the site broker while the cloud broker is down, the
  gateway (a real `agrisafe gateway run` process) holding them in its outbox; then the cloud
  broker comes back: seconds until the consumer has all N and the gateway's outbox is empty.
  Goal (issue 12): catch-up rate ≥ 50 % of direct.
- `twenty_devices`: 20 devices at `--rate` msg/s each for `--seconds` through the gateway:
  its CPU share and RSS.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from run import machine
from services import Mosquitto

from agrisafe.ids import new_id
from agrisafe.protocol import CloudAck, Kind
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.protocol.topics import ack_topic, message_topic

SITE = "BENCH-GW"


def _messages(n: int, devices: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(n):
        env = dict(EXAMPLES[Kind.RAPID_TEST], id=new_id(), site=SITE, device=f"rt-{i % devices}")
        env["body"] = dict(env["body"], sample=f"S-{i}")
        out.append((message_topic(SITE, env["device"], Kind.RAPID_TEST), orjson.dumps(env)))
    return out


class AckingConsumer:
    """The cloud's side of the protocol, reduced: take messages, acknowledge their ids."""

    def __init__(self, port: int) -> None:
        self.ids: set[str] = set()
        self._pending: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, f"consumer-{new_id()[-6:]}")
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *_: c.subscribe("agrisafe/v1/+/+/+", 1)
        self.client.connect_async("127.0.0.1", port)
        self.client.loop_start()
        self._stop = threading.Event()
        threading.Thread(target=self._acker, daemon=True).start()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        doc = orjson.loads(msg.payload)
        with self._lock:
            if doc["kind"] == "rapid_test":  # the devices' load, not the gateway's own status
                self.ids.add(doc["id"])
            self._pending[doc["device"]].append(doc["id"])

    def _acker(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                pending, self._pending = self._pending, defaultdict(list)
            for device, ids in pending.items():
                self.client.publish(ack_topic(SITE, device), CloudAck(ids=ids).to_json(), qos=0)

    def close(self) -> None:
        self._stop.set()
        self.client.disconnect()
        self.client.loop_stop()


def _publish(port: int, messages: list[tuple[str, bytes]]) -> float:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, f"pub-{new_id()[-6:]}")
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.monotonic()
    infos = [client.publish(t, p, qos=1) for t, p in messages]
    for info in infos:
        info.wait_for_publish(300)
    client.disconnect()
    client.loop_stop()
    return time.monotonic() - started


def _wait(cond: Any, limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def _depth(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE droppable = 0").fetchone()[0])


def _gateway(root: Path, site_port: int, cloud_port: int) -> subprocess.Popen[bytes]:
    cfg = root / "gateway.yaml"
    cfg.write_text(
        f"site: {SITE}\ngateway: gw-b\nlocal_mqtt_url: mqtt://127.0.0.1:{site_port}?protocol=5\n"
        f"cloud_mqtt_url: mqtt://127.0.0.1:{cloud_port}?protocol=5\ndata_dir: {root / 'gw'}\n",
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    log = (root / "gateway.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "agrisafe", "gateway", "run", "-c", str(cfg)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


def _proc(pid: int) -> tuple[float, float]:
    """(CPU seconds, RSS MiB) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tick
    rss = next(
        int(line.split()[1]) / 1024
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss


def direct(root: Path, n: int) -> dict[str, Any]:
    cloud = Mosquitto(root / "direct")
    consumer = AckingConsumer(cloud.port)
    time.sleep(0.5)
    msgs = _messages(n, 4)
    started = time.monotonic()
    _publish(cloud.port, msgs)
    done = _wait(lambda: len(consumer.ids) >= n, 300)
    seconds = time.monotonic() - started
    consumer.close()
    cloud.stop()
    return {
        "messages": n,
        "all_received": done,
        "seconds": round(seconds, 3),
        "msg_per_s": round(n / seconds),
    }


def catch_up(root: Path, n: int) -> dict[str, Any]:
    site, cloud = Mosquitto(root / "site", persistence=True), Mosquitto(root / "cloud")
    gw = _gateway(root, site.port, cloud.port)
    outbox = root / "gw" / "gateway-outbox.db"
    time.sleep(2.0)
    cloud.stop()  # the WAN is down
    _publish(site.port, _messages(n, 4))
    _wait(lambda: _depth(outbox) >= n, 300)
    cloud.start()  # the WAN is back: the same broker on the same port
    consumer = AckingConsumer(cloud.port)
    started = time.monotonic()
    done = _wait(lambda: len(consumer.ids) >= n and _depth(outbox) == 0, 600)
    seconds = time.monotonic() - started
    consumer.close()
    gw.terminate()
    gw.wait(30)
    site.stop()
    cloud.stop()
    return {
        "messages": n,
        "all_received_and_outbox_empty": done,
        "seconds": round(seconds, 3),
        "msg_per_s": round(n / seconds),
    }


def twenty_devices(root: Path, rate: float, seconds: float) -> dict[str, Any]:
    site, cloud = Mosquitto(root / "site20", persistence=True), Mosquitto(root / "cloud20")
    consumer = AckingConsumer(cloud.port)
    (root / "g20").mkdir()
    gw = _gateway(root / "g20", site.port, cloud.port)
    time.sleep(2.0)
    per = max(1, int(rate * seconds))
    batches = [_messages(per, 1) for _ in range(20)]
    cpu0, _ = _proc(gw.pid)
    started = time.monotonic()
    threads = [threading.Thread(target=_paced, args=(site.port, b, rate)) for b in batches]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _wait(lambda: len(consumer.ids) >= 20 * per, 120)
    wall = time.monotonic() - started
    cpu1, rss = _proc(gw.pid)
    consumer.close()
    gw.terminate()
    gw.wait(30)
    site.stop()
    cloud.stop()
    return {
        "devices": 20,
        "msg_per_s_per_device": rate,
        "messages": 20 * per,
        "received": len(consumer.ids),
        "gateway_cpu_pct_of_one_core": round((cpu1 - cpu0) / wall * 100, 1),
        "gateway_rss_mb": round(rss, 1),
    }


def _paced(port: int, messages: list[tuple[str, bytes]], rate: float) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, f"dev-{new_id()[-6:]}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    start = time.monotonic()
    infos = []
    for i, (t, p) in enumerate(messages):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        infos.append(client.publish(t, p, qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--rate", type=float, default=5.0, help="msg/s per device (20 devices)")
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    d = direct(root, args.messages)
    c = catch_up(root, args.messages)
    t = twenty_devices(root, args.rate, args.seconds)
    ratio = c["msg_per_s"] / d["msg_per_s"]
    print(
        json.dumps(
            {
                "machine": machine(),
                "direct": d,
                "catch_up": c,
                "twenty_devices": t,
                "catch_up_vs_direct": round(ratio, 3),
                "goal_catch_up_vs_direct_min": 0.5,
                "goal_met": ratio >= 0.5,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
