"""Publisher process for the benchmark: QoS 1, 1000 in flight, waits for every PUBACK.

    python bench/ingest/publish.py PORT TOPIC FILE      (FILE: one payload per line)

(`mosquitto_pub -l -q 1` is not used for QoS 1: version 2.0.11 exits at end of input without
waiting for its queue, and delivered only 34,484 of 100,000 lines in our check.)
"""

import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

OUTSTANDING = 30_000


def publish(port: int, topic: str, payloads: list[bytes]) -> float:
    """Publish all payloads; seconds until the last PUBACK."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, f"bench-pub-{time.time_ns()}")
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.monotonic()
    infos: list[mqtt.MQTTMessageInfo] = []
    for n, payload in enumerate(payloads):
        if n >= OUTSTANDING:  # packet ids are 16-bit: paho refuses a reused one still queued
            infos[n - OUTSTANDING].wait_for_publish(300)
        infos.append(client.publish(topic, payload, qos=1))
    for info in infos:
        info.wait_for_publish(300)
    seconds = time.monotonic() - started
    client.disconnect()
    client.loop_stop()
    if not all(info.is_published() for info in infos):
        raise SystemExit("not every message was acknowledged")
    return seconds


if __name__ == "__main__":
    lines = Path(sys.argv[3]).read_bytes().splitlines()
    print(f"{publish(int(sys.argv[1]), sys.argv[2], lines):.3f}")
