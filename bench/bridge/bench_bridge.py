"""Benchmark of the firmware bridge; prints one JSON object.

1. Parser throughput of each decoder on a large valid stream, against the byte rate of a
   115200-baud 8N1 line (11 520 B/s); goal ≥ 100×. Baseline in the same run: the bare buffer
   handling (append + delete) every decoder does, i.e. the cost floor of this machine.
2. Latency from the last byte of a frame written on the pty to the message committed in the
   durable outbox, for a streaming (line) and a polled (DY-3000) instrument; goal p99 < 20 ms.
   Baselines in the same run: pty transit alone (write → pyserial read) and a bare outbox put.

Usage: python bench/bridge/bench_bridge.py [--frames N] [--mqtt-url URL]
"""

import argparse
import json
import statistics
import struct
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agrisafe.mqtt.url import BrokerAddress, parse_mqtt_url
from agrisafe.outbox import SqliteOutbox
from agrisafe.protocol import EnvelopeBase
from firmware_bridge.app import build_app
from firmware_bridge.config import BridgeConfig
from firmware_bridge.protocols.dy3000 import Dy3000Decoder, encode_frame
from firmware_bridge.protocols.dy3000_messages import encode_record
from firmware_bridge.protocols.line import LineDecoder, LineFormat, encode_line
from firmware_bridge.protocols.nmea import NmeaDecoder
from firmware_bridge.protocols.ty16 import Ty16Block, Ty16Channel, Ty16Decoder, encode_block
from firmware_bridge.serial_link import PortSettings, PySerialLink
from firmware_bridge.simulators.dy3000 import Dy3000Simulator, inhibition_record
from firmware_bridge.simulators.gps import epoch
from firmware_bridge.simulators.line import LineSimulator
from firmware_bridge.simulators.pty import PtyPort

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "lib"))
from testkit.net import port_open

LINE_RATE = 115200 / 10  # bytes per second of 8N1 at 115200 baud
GOAL_X = 100.0
GOAL_P99_MS = 20.0
WHEN = datetime(2026, 5, 1, 8, 30)


def streams(target: int) -> dict[str, tuple[bytes, Any]]:
    """About `target` bytes of valid traffic per protocol, and its decoder factory."""
    rec = inhibition_record(1, WHEN, "黄瓜", [(n, n * 7.5) for n in range(1, 9)])
    dy = encode_frame(0x45, encode_record(rec))
    ty = encode_block(Ty16Block(1, WHEN, tuple(Ty16Channel(c, c * 5.0, c, 0) for c in range(1, 9))))
    fmt = LineFormat()
    values = {"time": "2026-05-01 08:30:00", "channel": "1", "sample": "S-0001"}
    line = encode_line(fmt, values | {"commodity": "黄瓜", "inhibition_pct": "12.40"})
    gps = epoch(datetime(2026, 5, 1, tzinfo=UTC), 37.43, 112.56, 780.0, 1, 0.9, 9)
    return {
        "dy3000": (dy * (target // len(dy)), Dy3000Decoder),
        "ty16": (ty * (target // len(ty)), Ty16Decoder),
        "line": (line * (target // len(line)), LineDecoder),
        "nmea": (gps * (target // len(gps)), NmeaDecoder),
    }


def throughput(data: bytes, factory: Any, chunk: int = 4096) -> tuple[float, int]:
    """Seconds to decode `data` fed in serial-read-sized chunks, and frames decoded."""
    dec = factory()
    start = time.perf_counter()
    n = 0
    for i in range(0, len(data), chunk):
        n += len(dec.feed(data[i : i + chunk]))
    n += len(dec.flush())
    return time.perf_counter() - start, n


def buffer_floor(data: bytes, chunk: int = 4096) -> float:
    """Bytes/s of the buffer handling alone (append, delete from the front)."""
    buf = bytearray()
    start = time.perf_counter()
    for i in range(0, len(data), chunk):
        buf += data[i : i + chunk]
        while len(buf) >= 64:
            del buf[:64]
    return len(data) / (time.perf_counter() - start)


def summary(ms: list[float]) -> dict[str, float]:
    """n, p50, p99, max in milliseconds."""
    ordered = sorted(ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p99": round(p99, 3),
        "max": round(ordered[-1], 3),
    }


def pty_transit(n: int) -> list[float]:
    """ms from the master's write to pyserial's read on the slave."""
    pty = PtyPort()
    pty.open()
    link = PySerialLink(PortSettings(pty.path, baud=115200))
    link.open()
    out = []
    try:
        for _ in range(n):
            t0 = time.monotonic()
            pty.write(b"x" * 60)
            got = b""
            while len(got) < 60:
                got += link.read()
            out.append((time.monotonic() - t0) * 1000)
    finally:
        link.close()
        pty.close()
    return out


def outbox_put(n: int, directory: Path) -> list[float]:
    """ms of one durable put (WAL + fsync) of a typical message."""
    box = SqliteOutbox(directory / "baseline.db")
    payload = b"x" * 700
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        box.put("agrisafe/v1/s/d/rapid_test", payload)
        out.append((time.monotonic() - t0) * 1000)
    box.close()
    return out


class TimedDy3000(Dy3000Simulator):
    """Notes when the last byte of each record response was written."""

    def __init__(self, link: Path) -> None:
        super().__init__(link)
        self.sent_at: dict[int, float] = {}

    def send(self, data: bytes) -> float:
        """Write and remember record responses by record number."""
        t = super().send(data)
        if data[2:3] == b"\x45" and len(data) > 12:
            self.sent_at[struct.unpack_from("<H", data, 6)[0]] = t
        return t


def bench_config(site: str, line_path: str, dy_path: str) -> BridgeConfig:
    """A station with one streaming (line) and one polled (DY-3000) instrument."""
    serial = {"baud": 115200}
    return BridgeConfig.model_validate(
        {
            "site": site,
            "station": {"lat": 37.43, "lon": 112.56, "geo_source": "fixed"},
            "instruments": [
                {"device": "ln", "protocol": "line", "serial": serial | {"port": line_path}},
                {
                    "device": "dy",
                    "protocol": "dy3000",
                    "serial": serial | {"port": dy_path},
                    "poll_interval_s": 0.1,
                    "families": ["wet"],
                },
            ],
        }
    )


def drive(line_sim: LineSimulator, dy_sim: TimedDy3000, frames: int) -> dict[str, float]:
    """Emit `frames` lines and `frames` records, 20 ms apart; line send times by sample id."""
    sent = {}
    for n in range(1, frames + 1):
        sample = f"L-{n:05d}"
        sent[f"ln/{sample}"] = line_sim.emit({"sample": sample, "inhibition_pct": "10.5"})
        time.sleep(0.02)
    for n in range(1, frames + 1):
        dy_sim.add_record(inhibition_record(0, datetime.now(), "黄瓜", [(n, 10.0)]))
        time.sleep(0.02)
    return sent


def latency(addr: BrokerAddress, frames: int, directory: Path) -> dict[str, list[float]]:
    """Frame end on the pty → message in the outbox, for a line and a DY-3000 instrument."""
    line_sim, dy_sim = LineSimulator(directory / "ttyLN"), TimedDy3000(directory / "ttyDY")
    line_sim.start()
    dy_sim.start()
    done: dict[str, float] = {}
    lock = threading.Lock()

    def published(env: EnvelopeBase) -> None:
        body = getattr(env, "body", None)
        with lock:
            done[f"{env.device}/{getattr(body, 'sample', '')}"] = time.monotonic()

    cfg = bench_config(f"BENCH-{uuid.uuid4().hex[:8]}", line_sim.path, dy_sim.path)
    app = build_app(cfg, addr, directory / "bridge", on_published=published)
    app.start()
    try:
        while not all(c.online.is_set() for c in app.coordinators):
            time.sleep(0.05)
        line_sent = drive(line_sim, dy_sim, frames)
        deadline = time.monotonic() + 30
        while len(done) < 2 * frames and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        app.stop(drain_timeout_s=5)
        line_sim.stop()
        dy_sim.stop()
    day = f"{datetime.now():%Y%m%d}"
    dy_sent = {f"dy/S-{day}-{n:04d}": t for n, t in dy_sim.sent_at.items()}
    return {
        "line": [(done[k] - t) * 1000 for k, t in line_sent.items() if k in done],
        "dy3000": [(done[k] - t) * 1000 for k, t in dy_sent.items() if k in done],
    }


def main() -> int:
    """Run everything and print the JSON report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="frames per latency run")
    ap.add_argument("--bytes", type=int, default=2_000_000, help="bytes per parser stream")
    ap.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883", help="broker the pump drains to")
    args = ap.parse_args()

    report: dict[str, Any] = {"line_rate_bytes_per_s": LINE_RATE, "parsers": {}}
    data_sets = streams(args.bytes)
    floor = buffer_floor(data_sets["dy3000"][0])
    for name, (data, factory) in data_sets.items():
        seconds, frames = throughput(data, factory)
        rate = len(data) / seconds
        report["parsers"][name] = {
            "bytes": len(data),
            "frames": frames,
            "bytes_per_s": round(rate),
            "x_line_rate": round(rate / LINE_RATE, 1),
            "goal_x": GOAL_X,
            "pass": rate / LINE_RATE >= GOAL_X,
        }
    report["baseline"] = {"buffer_only_bytes_per_s": round(floor)}

    addr = parse_mqtt_url(args.mqtt_url)
    report["broker"] = args.mqtt_url if port_open(addr.host, addr.port) else "unreachable"
    with tempfile.TemporaryDirectory(prefix="bench-bridge-", dir=Path.home()) as tmp:
        directory = Path(tmp)
        report["baseline"]["pty_transit_ms"] = summary(pty_transit(args.frames))
        report["baseline"]["outbox_put_ms"] = summary(outbox_put(args.frames, directory))
        runs = latency(addr, args.frames, directory)
    report["latency_ms"] = {}
    for name, ms in runs.items():
        stats = summary(ms) if ms else {"n": 0}
        stats |= {"goal_p99": GOAL_P99_MS, "pass": bool(ms) and stats["p99"] < GOAL_P99_MS}
        report["latency_ms"][name] = stats
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
