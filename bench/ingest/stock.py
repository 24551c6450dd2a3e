"""bench/ingest/stock.py: the cloud's defaults against a STOCK broker; what end-to-end acks cost.

    .venv/bin/python bench/ingest/stock.py [--messages 20000] [--repeats 2000] > stock.json

Mosquitto runs on the Debian package's default settings (in-flight window 20, 1,000 queued
messages per client; only a loopback listener added) and the cloud gets a plain
`mqtt://127.0.0.1:PORT` URL, as an operator would write it. Two senders, same run:

- `burst`: N unique + R duplicate QoS 1 messages from a publisher that waits for every PUBACK
  (no outbox); stored exactly once? msg/s end to end (goal ≥ 3,000, issue 13).
- `outbox_acks` vs `outbox_puback_only`: the same load through a device's durable outbox and
  `OutboxPump`, deleting rows on the cloud's end-to-end ack vs on the broker's PUBACK; msg/s
  until everything is stored (and, with acks, until the outbox is empty).
"""

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import machine
from scenarios import new_tmp
from services import free_port, start_server
from workload import IngestProcess, mosquitto_pub, rapid_tests

from agrisafe.mqtt import parse_mqtt_url
from agrisafe.outbox import SqliteOutbox
from agrisafe.outbox.pump import AckOptions, OutboxPump
from agrisafe.outbox.store import Publication


class StockMosquitto:
    """Mosquitto with no tuning at all: the Debian defaults."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.log = root / "mosquitto.log"
        self.proc, self.port = start_server(self._argv, self.log, free_port(), may_move=True)

    def _argv(self, port: int) -> list[str]:
        config = self.root / "mosquitto.conf"
        config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n", "utf-8")
        return ["mosquitto", "-c", str(config)]

    def url(self) -> str:
        """Plain URL: no protocol named."""
        return f"mqtt://127.0.0.1:{self.port}"

    def dropped_lines(self) -> int:
        """How often the broker logged dropping messages for a client."""
        return self.log.read_text(errors="replace").count("dropped")

    def stop(self) -> None:
        """Terminate."""
        self.proc.terminate()
        self.proc.wait(10)


def _wait(ingest: IngestProcess, total: int, started: float, limit_s: float) -> float:
    while ingest.stored() < total and time.monotonic() - started < limit_s:
        time.sleep(0.02)
    return time.monotonic() - started


def burst(tmp: Path, n: int, repeats: int) -> dict[str, Any]:
    """Unique + duplicate QoS 1 messages from a PUBACK-waiting publisher, no outbox."""
    root = tmp / "burst"
    broker = StockMosquitto(root)
    ingest = IngestProcess(root, broker.url(), root / "cloud.db", timeseries="off")
    ingest.start()
    ingest.wait_subscribed()
    topic, payloads = rapid_tests("BENCH-STOCK", "rt-01", n)
    started = time.monotonic()
    published = mosquitto_pub(broker.port, topic, payloads + payloads[:repeats], 1, root)
    seconds = _wait(ingest, n, started, 300)
    time.sleep(1.0)  # let the duplicates land too (they must not add rows)
    stored = ingest.stored()
    log = ingest.log.read_text(errors="replace")
    ingest.stop()
    broker.stop()
    return {
        "messages": n,
        "duplicates": repeats,
        "stored": stored,
        "exactly_once": stored == n,
        "publish_seconds": round(published, 3),
        "seconds": round(seconds, 3),
        "msg_per_s": round(stored / seconds),
        "negotiated_mqtt5": "?protocol=5" in log,
        "broker_dropped_lines": broker.dropped_lines(),
    }


def outbox(tmp: Path, n: int, repeats: int, *, acks: bool) -> dict[str, Any]:
    """The same load through a durable outbox and OutboxPump (cloud acks on or off)."""
    root = tmp / ("outbox-acks" if acks else "outbox-puback")
    broker = StockMosquitto(root)
    ingest = IngestProcess(root, broker.url(), root / "cloud.db", timeseries="off")
    ingest.start()
    ingest.wait_subscribed()
    topic, payloads = rapid_tests("BENCH-OUTBOX", "rt-01", n)
    box = SqliteOutbox(root / "sender.db")
    box.put_many([Publication(topic, p) for p in payloads + payloads[:repeats]])
    pump = OutboxPump(
        box,
        parse_mqtt_url(broker.url()),
        client_id=f"bench-sender-{root.name}",
        acks=AckOptions(cloud_acks=acks, timeout_s=10.0),
    )
    started = time.monotonic()
    pump.start()
    seconds = _wait(ingest, n, started, 300)
    drained = threading.Event()
    while time.monotonic() - started < 300 and not drained.is_set():
        if box.depth() == 0:
            drained.set()
        time.sleep(0.02)
    drain_s = time.monotonic() - started
    pump.stop()
    box.close()
    stored = ingest.stored()
    ingest.stop()
    broker.stop()
    return {
        "cloud_acks": acks,
        "messages": n,
        "duplicates": repeats,
        "stored": stored,
        "exactly_once": stored == n,
        "seconds_to_stored": round(seconds, 3),
        "seconds_to_outbox_empty": round(drain_s, 3),
        "msg_per_s": round(stored / seconds),
        "broker_dropped_lines": broker.dropped_lines(),
    }


def main() -> None:
    """Run the three scenarios and print one JSON document."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=2_000)
    args = ap.parse_args()
    tmp = new_tmp()
    result: dict[str, Any] = {"machine": machine(), "goal_msg_per_s": 3000}
    result["burst"] = burst(tmp, args.messages, args.repeats)
    result["outbox_acks"] = outbox(tmp, args.messages, args.repeats, acks=True)
    result["outbox_puback_only"] = outbox(tmp, args.messages, args.repeats, acks=False)
    result["machine"]["load_avg_end"] = __import__("os").getloadavg()
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
