"""The measurements of bench/ingest (each returns a JSON-ready dict)."""

import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from services import Mosquitto, Victoria
from workload import IngestProcess, mosquitto_pub, pg_schema, proc_stats, rapid_tests

from agrisafe.ids import new_id
from cloud.ingest.paho_fast import IngestClient


def broker_limit(tmp: Path, n: int) -> dict[str, Any]:
    """Mosquitto's loopback limit with its own C clients, QoS 0, one publisher → one subscriber.

    Timed from the first published line to the last line the subscriber printed.
    """
    broker = Mosquitto(tmp / "limit")
    topic, payloads = rapid_tests("BENCH-LIMIT", "rt-0", n)
    out = tmp / "sub.out"
    with out.open("wb") as sink:
        sub = subprocess.Popen(
            [
                "mosquitto_sub",
                *("-h", "127.0.0.1", "-p", str(broker.port), "-t", topic),
                *("-q", "0", "-C", str(n)),
            ],
            stdout=sink,
        )
        time.sleep(0.5)
        started = time.monotonic()
        pub = threading.Thread(target=mosquitto_pub, args=(broker.port, topic, payloads, 0, tmp))
        pub.start()
        last_size, last_change = 0, time.monotonic()
        while sub.poll() is None and time.monotonic() - last_change < 2.0:
            size = out.stat().st_size
            if size != last_size:
                last_size, last_change = size, time.monotonic()
            time.sleep(0.01)
        seconds = (time.monotonic() if sub.poll() is not None else last_change) - started
        sub.kill()
        pub.join()
    got = out.read_bytes().count(b"\n")
    broker.stop()
    return {
        "messages": n,
        "received": got,
        "seconds": round(seconds, 3),
        "msg_per_s": round(got / seconds),
    }


def drain(
    tmp: Path,
    n: int,
    *,
    v5: bool,
    inflight: int = 1000,
    postgres: str | None = None,
    **settings: str,
) -> dict[str, Any]:
    """Pre-load the worker's persistent session while it is offline, then time the drain."""
    root = tmp / f"drain-{new_id()[-6:]}"
    root.mkdir()
    broker = Mosquitto(root, inflight=inflight)
    db_url, drop = pg_schema(postgres) if postgres else (None, None)
    ingest = IngestProcess(root, broker.url(v5), root / "cloud.db", db_url=db_url, **settings)
    ingest.start()
    ingest.wait_subscribed()
    ingest.stop()  # its session stays in the broker and collects the backlog
    topic, payloads = rapid_tests(f"BENCH-{new_id()[-6:]}", "rt-0", n)
    preload_s = mosquitto_pub(broker.port, topic, payloads, 1, root)
    started = time.monotonic()
    ingest.start()
    first = None
    cpu0 = None
    while time.monotonic() - started < 600:
        count = ingest.stored()
        if count and first is None:
            first, cpu0 = time.monotonic(), proc_stats(ingest.pid).cpu_s
        if count >= n:
            break
        time.sleep(0.02)
    done = time.monotonic()
    stats = proc_stats(ingest.pid)
    stored = ingest.stored()
    ingest.stop()
    broker.stop()
    if callable(drop):
        drop()
    assert first is not None
    assert cpu0 is not None
    seconds = done - first
    return {
        "protocol": "5" if v5 else "3.1.1",
        "database": "postgresql" if postgres else "sqlite",
        "messages": n,
        "stored": stored,
        "preload_seconds": round(preload_s, 2),
        "drain_seconds": round(seconds, 3),
        "msg_per_s": round(stored / seconds),
        "cpu_percent": round(100 * (stats.cpu_s - cpu0) / seconds),
        # Capacity independent of how much CPU the shared machine left us.
        "msg_per_cpu_s": round(stored / max(stats.cpu_s - cpu0, 1e-9)),
        "rss_mb": round(stats.rss_mb),
        "peak_rss_mb": round(stats.hwm_mb),
        "settings": settings | ({"broker max_inflight_messages": inflight} if not v5 else {}),
    }


def live(tmp: Path, n: int, publishers: int = 2) -> dict[str, Any]:
    """End to end with live publishers (C clients, QoS 1) while the worker ingests."""
    root = tmp / "live"
    root.mkdir()
    broker = Mosquitto(root)
    ingest = IngestProcess(root, broker.url(True), root / "cloud.db")
    ingest.start()
    ingest.wait_subscribed()
    loads = [rapid_tests(f"BENCH-LIVE-{i}", f"rt-{i}", n // publishers) for i in range(publishers)]
    total = sum(len(p) for _, p in loads)
    cpu0 = proc_stats(ingest.pid).cpu_s
    started = time.monotonic()
    threads = [
        threading.Thread(target=mosquitto_pub, args=(broker.port, t, p, 1, root)) for t, p in loads
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    published = time.monotonic() - started
    while ingest.stored() < total and time.monotonic() - started < 600:
        time.sleep(0.02)
    seconds = time.monotonic() - started
    stats = proc_stats(ingest.pid)
    stored = ingest.stored()
    ingest.stop()
    broker.stop()
    return {
        "publishers": publishers,
        "messages": total,
        "stored": stored,
        "publish_seconds": round(published, 3),
        "seconds": round(seconds, 3),
        "msg_per_s": round(stored / seconds),
        "cpu_percent": round(100 * (stats.cpu_s - cpu0) / seconds),
        "msg_per_cpu_s": round(stored / max(stats.cpu_s - cpu0, 1e-9)),
        "peak_rss_mb": round(stats.hwm_mb),
    }


def paho_consume(tmp: Path, n: int, *, v5: bool, fast: bool) -> dict[str, Any]:
    """MQTT client cost alone: drain a pre-loaded session, acks in batches of 500, no store."""
    broker = Mosquitto(tmp / f"paho-{new_id()[-6:]}", inflight=2000)
    proto = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
    cls = IngestClient if fast else mqtt.Client

    def client() -> mqtt.Client:
        kwargs: dict[str, Any] = {} if v5 else {"clean_session": False}
        return cls(CallbackAPIVersion.VERSION2, "drain", protocol=proto, manual_ack=True, **kwargs)

    def connect(c: mqtt.Client) -> None:
        props = None
        kw: dict[str, Any] = {}
        if v5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = 600
            props.ReceiveMaximum = 2000
            kw["clean_start"] = False
        c.connect("127.0.0.1", broker.port, properties=props, **kw)

    topic, payloads = rapid_tests("BENCH-PAHO", "rt-0", n)
    c = client()
    connect(c)
    c.subscribe("agrisafe/v1/+/+/+", 1)
    c.loop(1)
    c.loop(1)
    c.disconnect()
    mosquitto_pub(broker.port, topic, payloads, 1, tmp)
    got, pending = 0, []
    c = client()

    def on_mid(mid: int) -> None:
        nonlocal got
        got += 1
        pending.append(mid)
        if len(pending) >= 500:
            if fast:
                c.ack_many(pending)  # type: ignore[attr-defined]
            else:
                for m in pending:
                    c.ack(m, 1)
            pending.clear()

    if fast:
        c.raw_handler = lambda _t, _p, mid, _q: on_mid(mid)  # type: ignore[attr-defined]
    else:
        c.on_message = lambda _c, _u, msg: on_mid(msg.mid)
    connect(c)
    started = time.monotonic()
    while got < n and time.monotonic() - started < 120:
        c.loop(0.5)
    seconds = time.monotonic() - started
    c.disconnect()
    broker.stop()
    return {
        "client": "IngestClient" if fast else "paho.Client",
        "protocol": "5" if v5 else "3.1.1",
        "messages": n,
        "received": got,
        "msg_per_s": round(got / seconds),
        "us_per_msg": round(1e6 * seconds / max(got, 1), 1),
    }


def timeseries_path(tmp: Path, n: int, batch: int = 5000) -> dict[str, Any]:
    """Points/s through the SQL outbox + pump into VictoriaMetrics vs a raw line-protocol POST."""
    from cloud.store.db import make_engine, migrate
    from cloud.store.timeseries_tables import ts_outbox
    from cloud.timeseries.influx import InfluxWriter
    from cloud.timeseries.points import make_point, to_json, to_line
    from cloud.timeseries.pump import TimeSeriesPump

    vm = Victoria(tmp / "ts")

    def points(site: str) -> list[Any]:
        out = []
        for i in range(n):
            tags = {
                "site": site,
                "device": f"rt-{i % 8}",
                "analyte": "有机磷",
                "result": "negative",
            }
            fields = {"result_code": 0.0, "inhibition_pct": float(i % 40)}
            out.append(make_point("rapid_test", tags, fields, 1_780_000_000_000 + i * 1000))
        return out

    engine = make_engine(f"sqlite:///{tmp / 'ts.db'}")
    migrate(engine)
    staged = points("BENCH-OUTBOX")
    with engine.begin() as conn:
        conn.execute(ts_outbox.insert(), [{"created_ms": 0, "point": to_json(p)} for p in staged])
    pump = TimeSeriesPump(engine, InfluxWriter(vm.url, "", "agrisafe", "agrisafe"), batch=batch)
    started = time.monotonic()
    assert pump.drain(600)
    pump_s = time.monotonic() - started
    lines = [to_line(p) for p in points("BENCH-RAW")]
    started = time.monotonic()
    with httpx.Client(timeout=60) as http:
        for i in range(0, n, batch):
            r = http.post(
                f"{vm.url}/api/v2/write",
                params={"bucket": "agrisafe", "precision": "ms"},
                content="\n".join(lines[i : i + batch]).encode(),
            )
            r.raise_for_status()
    raw_s = time.monotonic() - started
    vm.stop()
    return {
        "points": n,
        "batch": batch,
        "outbox_pump_points_per_s": round(n / pump_s),
        "raw_post_points_per_s": round(n / raw_s),
        "ratio": round(raw_s / pump_s, 3),
        "note": "raw POST sends pre-encoded lines; the pump also reads, decodes, encodes, deletes",
    }


def new_tmp() -> Path:
    """A scratch directory for one run."""
    return Path(tempfile.mkdtemp(prefix="bench-ingest-"))
