"""A publisher process for ingest tests: `python -m testkit.publisher FILE URL [options]`.

FILE holds one message per line as `topic<TAB>payload`. `--mode paho` publishes QoS 1 with a
window of 1000 in flight and waits for every PUBACK; `--mode outbox` goes through the durable
SQLite outbox and its pump (what edge devices do), so a broker restart loses nothing. Prints one
JSON line with what it did; exits 0 when everything was acknowledged by the broker.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt

from agrisafe.ids import new_id
from agrisafe.mqtt import MqttSession
from agrisafe.mqtt.url import parse_mqtt_url
from agrisafe.outbox import OutboxPump, Publication, SqliteOutbox


def read_lines(path: Path) -> list[tuple[str, bytes]]:
    """(topic, payload) pairs of a message file."""
    out = []
    for line in path.read_bytes().splitlines():
        if line:
            topic, payload = line.split(b"\t", 1)
            out.append((topic.decode(), payload))
    return out


def write_lines(path: Path, messages: list[tuple[str, bytes]]) -> None:
    """Inverse of `read_lines`."""
    path.write_bytes(b"".join(t.encode() + b"\t" + p + b"\n" for t, p in messages))


def publish_paho(url: str, messages: list[tuple[str, bytes]], rate: float, timeout_s: float) -> int:
    """QoS 1 through plain paho; returns the number acknowledged."""
    session = MqttSession(parse_mqtt_url(url), f"testpub-{new_id()}", max_inflight=1000)
    session.start()
    infos: list[mqtt.MQTTMessageInfo] = []
    started = time.monotonic()
    for n, (topic, payload) in enumerate(messages):
        if n >= 30_000:  # packet ids are 16-bit: paho refuses a reused one still queued
            infos[n - 30_000].wait_for_publish(timeout_s)
        if rate > 0:
            wait = started + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        infos.append(session.client.publish(topic, payload, qos=1))
    deadline = time.monotonic() + timeout_s
    for info in infos:
        info.wait_for_publish(max(deadline - time.monotonic(), 0.01))
    done = sum(1 for info in infos if info.is_published())
    session.stop()
    return done


def publish_outbox(
    url: str, messages: list[tuple[str, bytes]], rate: float, timeout_s: float, chunk: int = 50
) -> int:
    """Through the durable outbox and pump; all acknowledged (len) or -1 after the timeout."""
    with tempfile.TemporaryDirectory() as tmp:
        box = SqliteOutbox(Path(tmp) / "outbox.db")
        pump = OutboxPump(box, parse_mqtt_url(url), client_id=f"testpub-{new_id()}", window=200)
        pump.start()
        started = time.monotonic()
        parts = [messages[i : i + chunk] for i in range(0, len(messages), chunk)]
        for n, part in enumerate(parts):
            if rate > 0:
                wait = started + n * chunk / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            box.put_many([Publication(t, p, qos=1) for t, p in part])
            pump.wake()
        drained = pump.wait_drained(timeout_s)  # empty outbox: the broker acknowledged all
        pump.stop()
        box.close()
    return len(messages) if drained else -1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", type=Path)
    ap.add_argument("url")
    ap.add_argument("--mode", choices=["paho", "outbox"], default="paho")
    ap.add_argument("--rate", type=float, default=0.0, help="messages per second (0: no limit)")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args(argv)
    messages = read_lines(args.file)
    started = time.monotonic()
    if args.mode == "paho":
        done = publish_paho(args.url, messages, args.rate, args.timeout)
    else:
        done = publish_outbox(args.url, messages, args.rate, args.timeout)
    seconds = time.monotonic() - started
    print(
        orjson.dumps(
            {"published": len(messages), "acknowledged": done, "seconds": seconds}
        ).decode()
    )
    return 0 if done == len(messages) else 1


if __name__ == "__main__":
    sys.exit(main())
