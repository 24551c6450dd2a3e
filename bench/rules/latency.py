"""Publish → alert on the live stream, at a sustained publish rate, on Mosquitto (loopback).

    nice -n 15 .venv/bin/python bench/rules/latency.py [--rate 500] [--seconds 20]

Runs the real cloud (API + MQTT ingest on a private ingest group, SQLite in a temp dir) against
the machine's Mosquitto on 127.0.0.1:1883, follows `GET /api/v1/alerts/stream` over HTTP, and
publishes at `--rate` messages per second a mix of rapid tests (10 % positive), telemetry and,
every 50th message, a harvest inside the PHI window of a spray sent just before (timeline rules
on the path).
Latency = the alert's arrival on the stream − the publish of the message that completed it.
A baseline at 20 msg/s is measured in the same run. Prints one JSON object.
"""

import argparse
import json
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from httpx_sse import connect_sse

from agrisafe.ids import new_id
from agrisafe.mqtt.client import MqttSession
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.timeutil import format_rfc3339, utc_now
from cloud.admin.tokens import mint_local
from cloud.api import create_app
from cloud.app import build_runtime
from cloud.server import bound_port, listen, serve_in_thread
from cloud.settings import CloudSettings

MOSQUITTO = BrokerAddress("127.0.0.1", 1883)


class Stream:
    """Follows the live alert stream; records when each alert arrived."""

    def __init__(self, base: str, token: str, site: str) -> None:
        self.arrived: list[tuple[float, dict[str, Any]]] = []
        self.ready = threading.Event()
        self._site = site
        self._client = httpx.Client(timeout=httpx.Timeout(5, read=None))
        self._url, self._token = f"{base}/api/v1/alerts/stream", token
        threading.Thread(target=self._run, daemon=True).start()
        if not self.ready.wait(10):
            raise RuntimeError("stream did not open")

    def _run(self) -> None:
        try:
            headers = {"Authorization": f"Bearer {self._token}"}
            with connect_sse(self._client, "GET", self._url, headers=headers) as source:
                for sse in source.iter_sse():
                    if sse.event == "ready":
                        self.ready.set()
                    elif sse.event == "alert":
                        now = time.monotonic()
                        alert = sse.json()
                        if alert["site"] == self._site:
                            self.arrived.append((now, alert))
        except (httpx.HTTPError, RuntimeError):
            return

    def close(self) -> None:
        """Stop following."""
        self._client.close()


def _env(site: str, device: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    ts = format_rfc3339(utc_now())
    return {
        "v": 1,
        "id": new_id(),
        "kind": kind,
        "site": site,
        "device": device,
        "ts": ts,
        "body": body,
    }


def messages(site: str) -> Callable[[int], dict[str, Any]]:
    """The n-th message of the mix."""

    def make(n: int) -> dict[str, Any]:
        # Every 50 messages a spray on a fresh plot, then a harvest on it the same day: one
        # phi_violation per pair, completed by the harvest (timeline rules on the path).
        body: dict[str, Any]
        if n % 50 == 48:
            body = {
                "plot": f"P{n}",
                "crop": "黄瓜",
                "product": {
                    "name": "阿维菌素乳油",
                    "active_ingredients": ["阿维菌素"],
                    "formulation": "1.8% EC",
                },
            }
            return _env(site, "app", "input_use", body)
        if n % 50 == 49:
            return _env(
                site, "app", "harvest", {"plot": f"P{n - 1}", "crop": "黄瓜", "lot": f"L{n}"}
            )
        if n % 10 == 0:
            result, pct = "positive", 70.0
        elif n % 2:
            return _env(site, "cam", "telemetry", {"fps": 5.0, "n": n})
        else:
            result, pct = "negative", 5.0
        body = {
            "sample": f"S{n}",
            "commodity": "黄瓜",
            "method": "enzyme_inhibition",
            "analyte": "有机磷",
            "result": result,
            "inhibition_pct": pct,
        }
        return _env(site, "rt", "rapid_test", body)

    return make


def phase(
    pub: MqttSession, stream: Stream, site: str, rate: float, seconds: float
) -> dict[str, Any]:
    """Publish at `rate` for `seconds`; return latency statistics of the alerts raised."""
    make = messages(site)
    sent: dict[str, float] = {}
    start = len(stream.arrived)
    t0 = time.monotonic()
    total = int(rate * seconds)
    for n in range(total):
        due = t0 + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        env = make(n)
        sent[env["id"]] = time.monotonic()
        pub.client.publish(
            f"agrisafe/v1/{site}/{env['device']}/{env['kind']}", orjson.dumps(env), 1
        )
    publish_s = time.monotonic() - t0
    expected = sum(1 for n in range(total) if n % 10 == 0 or n % 50 == 49)
    deadline = time.monotonic() + 30
    while len(stream.arrived) - start < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    lat = []
    for arrived, alert in stream.arrived[start:]:
        times = [sent[e] for e in alert["evidence"] if e in sent]
        if times:
            lat.append((arrived - max(times)) * 1000)
    lat.sort()

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None

    return {
        "rate_target": rate,
        "rate_achieved": round(total / publish_s, 1),
        "messages": total,
        "alerts_expected": expected,
        "alerts_seen": len(lat),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1], 1) if lat else None,
    }


def main() -> None:
    """Baseline at 20 msg/s, then the target rate; one JSON object on stdout."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    tag = new_id()[-10:]
    site = f"BENCH-{tag}"
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        sock = listen("127.0.0.1")
        port = bound_port(sock)
        settings = CloudSettings.load(
            data_dir=Path(tmp),
            mqtt_url="mqtt://127.0.0.1:1883",
            auto_register=True,
            instance=f"bench-{tag}",
            ingest_group=f"bench-{tag}",
            http_port=port,
            admin_token=secrets.token_urlsafe(32),
            log_level="WARNING",
        )
        runtime = build_runtime(settings)
        with serve_in_thread(create_app(runtime), runtime.hub, sock):
            base = f"http://127.0.0.1:{port}"
            admin = mint_local(runtime.engine, {"name": "bench", "role": "admin"})
            stream = Stream(base, admin, site)
            pub = MqttSession(MOSQUITTO, f"bench-pub-{tag}", max_inflight=1000)
            pub.start()
            time.sleep(1.0)
            try:
                baseline = phase(pub, stream, site, 20.0, 5.0)
                loaded = phase(pub, stream, site, args.rate, args.seconds)
            finally:
                pub.stop()
                stream.close()
    print(
        json.dumps(
            {
                "benchmark": "rules.latency",
                "broker": "mosquitto 127.0.0.1:1883",
                "database": "sqlite",
                "goal_p99_ms": 100,
                "baseline_20_msg_s": baseline,
                "sustained": loaded,
                "meets_goal": loaded["p99_ms"] is not None
                and loaded["p99_ms"] <= 100
                and loaded["alerts_seen"] == loaded["alerts_expected"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
