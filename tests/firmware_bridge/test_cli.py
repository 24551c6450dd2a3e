"""`agrisafe bridge …` as a user runs it: decode on captured files, simulate, sample, run errors
and a clean stop on SIGTERM."""

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import paho.mqtt.client as mqtt
import pytest

from agrisafe.mqtt.client import MqttSession
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import SqliteOutbox
from firmware_bridge.simulators.dy3000 import Dy3000Simulator
from firmware_bridge.simulators.feeder import DEMO_TESTS, local_now, run_test
from testkit.net import wait_for

FIXTURES = Path(__file__).parent / "fixtures"


def agrisafe(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def decoded(protocol: str, name: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    proc = agrisafe("bridge", "decode", "--protocol", protocol, str(FIXTURES / name))
    assert proc.returncode == 0, proc.stderr  # rejected frames never fail the command
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    rejected = [
        json.loads(line.removeprefix("rejected: "))
        for line in proc.stderr.splitlines()
        if line.startswith("rejected: ")
    ]
    return out, rejected


def test_decode_nmea_prints_exactly_the_documented_fields() -> None:
    out, rejected = decoded("nmea", "gps_capture.nmea")
    assert all(set(obj) == {"sentence", "lat", "lon", "fix", "time", "hdop"} for obj in out)
    assert out[0] == {
        "sentence": "RMC",
        "lat": 37.4302,
        "lon": 112.5601,
        "fix": "gps",
        "time": "2026-05-01T00:30:00Z",
        "hdop": None,
    }
    assert out[1]["time"] == "00:30:00"
    assert out[1]["hdop"] == 0.9
    south_west = out[4]
    assert south_west["lat"] == pytest.approx(-33.8688)
    assert south_west["lon"] == pytest.approx(-151.2093)
    assert south_west["fix"] == "rtk"
    no_fix = [o for o in out if o["fix"] == "none"]
    assert len(no_fix) == 3
    assert all(o["lat"] is None and o["lon"] is None for o in no_fix)
    assert [r["reason"] for r in rejected] == [
        "unsupported sentence type GSV (ignored)",
        "checksum mismatch",
        "missing '*HH' checksum",
    ]
    assert all(isinstance(r["offset"], int) for r in rejected)


def test_decode_dy3000_keeps_zero_and_reports_the_corrupted_frame() -> None:
    out, rejected = decoded("dy3000", "dy3000_capture.bin")
    assert [o["type"] for o in out] == [
        "LinkReply",
        "ItemTable",
        "RecordRange",
        "Record",
        "Request",
    ]
    record = out[3]
    channels = record["channels"]
    assert isinstance(channels, list)
    assert channels[1]["value"] == 0.0
    assert channels[1]["state"] == "ok"
    assert [c["state"] for c in channels[3:]] == ["invalid", "na"]
    assert record["sample_name"] == "黄瓜"
    assert [r["offset"] for r in rejected] == [67, 148, 231]
    assert "CRC mismatch" in str(rejected[1]["reason"])


def test_decode_ty16_and_line() -> None:
    out, rejected = decoded("ty16", "ty16_capture.bin")
    assert [o["type"] for o in out] == ["reply", "block", "block", "reply"]
    assert out[1]["channels"][0]["value"] == 0.0  # type: ignore[index]
    assert len(rejected) == 1
    assert "checksum" in str(rejected[0]["reason"])

    out, rejected = decoded("line", "line_capture.txt")
    assert [o["inhibition_pct"] for o in out] == [12.4, 0.0, 63.5]
    assert [r["offset"] for r in rejected] == [79, 105]


def test_decode_refuses_unknown_protocols_and_missing_files(tmp_path: Path) -> None:
    assert agrisafe("bridge", "decode", "--protocol", "modbus", str(tmp_path)).returncode == 2
    missing = agrisafe("bridge", "decode", "--protocol", "nmea", str(tmp_path / "none.nmea"))
    assert missing.returncode == 2
    assert "none.nmea" in missing.stderr


def test_run_names_the_bad_key_in_bridge_yaml(tmp_path: Path) -> None:
    cfg = tmp_path / "bridge.yaml"
    cfg.write_text(
        "site: S1\nmqtt_url: mqtt://127.0.0.1:1883\ninstruments:\n"
        "  - {device: rt-01, protocol: dy3000, serial: {port: /dev/null, baud: 1234}}\n",
        "utf-8",
    )
    proc = agrisafe("bridge", "run", "--config", str(cfg))
    assert proc.returncode == 2
    assert (
        "bridge.yaml: invalid bridge configuration:\n  instruments.0.serial.baud: " in proc.stderr
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_simulate_prints_a_pty_path_until_interrupted(stop: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "agrisafe", "bridge", "simulate", "--instrument", "gps"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
        try:
            data = b""
            while b"GGA" not in data and select.select([fd], [], [], 10)[0]:
                data += os.read(fd, 1024)
            assert b"$GPGGA," in data
        finally:
            os.close(fd)
        proc.send_signal(stop)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sample_writes_a_spool_request_with_the_photo_hash(tmp_path: Path) -> None:
    cfg = tmp_path / "bridge.yaml"
    cfg.write_text(f"site: S1\ndata_dir: {tmp_path / 'data'}\n", "utf-8")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    proc = agrisafe(
        "bridge",
        "sample",
        "--config",
        str(cfg),
        "--sample",
        "S-1",
        "--commodity",
        "黄瓜",
        "--inspector",
        "张三",
        "--photo",
        str(photo),
    )
    assert proc.returncode == 0, proc.stderr
    request = json.loads(Path(proc.stdout.strip()).read_text("utf-8"))
    assert request["sample"] == "S-1"
    assert request["photo_sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert Path(proc.stdout.strip()).parent == tmp_path / "data" / "samples"


@pytest.mark.integration
def test_run_stops_cleanly_on_sigterm_after_draining_the_outbox(
    tmp_path: Path, private_mosquitto: BrokerAddress
) -> None:
    """`docker stop` sends SIGTERM: the bridge stops its readers, drains the outbox, exits 0."""
    site = f"T-TERM-{uuid.uuid4().hex[:6]}"
    got: list[tuple[str, dict[str, object]]] = []
    lock = threading.Lock()

    def on_message(msg: mqtt.MQTTMessage) -> None:
        with lock:
            got.append((msg.topic, orjson.loads(msg.payload)))

    def seen(suffix: str) -> list[dict[str, object]]:
        with lock:
            return [m for t, m in got if t.endswith(suffix)]

    listener = MqttSession(
        private_mosquitto, f"listener-{site}", subscriptions=[(f"agrisafe/v1/{site}/#", 1)],
        on_message=on_message,
    )  # fmt: skip
    listener.start()
    sim = Dy3000Simulator(tmp_path / "ttyDY")
    sim.start()
    cfg = tmp_path / "bridge.yaml"
    cfg.write_text(
        f"site: {site}\nmqtt_url: mqtt://{private_mosquitto.host}:{private_mosquitto.port}\n"
        f"data_dir: {tmp_path / 'data'}\ninstruments:\n"
        f"  - {{device: rt-01, protocol: dy3000, serial: {{port: {sim.path}, baud: 115200}},"
        " poll_interval_s: 0.2}\n",
        "utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "agrisafe", "bridge", "run", "--config", str(cfg)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: len(seen("/status")) == 1, 20)  # connected: online
        run_test(sim, DEMO_TESTS[0], local_now(ZoneInfo("Asia/Shanghai")))
        assert wait_for(lambda: len(seen("/rt-01/rapid_test")) == 1, 20)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "bridge stopped" in err
        assert "Traceback" not in err
        assert wait_for(lambda: len(seen("/status")) == 2, 10)
        assert [m["body"]["state"] for m in seen("/status")] == ["online", "offline"]  # type: ignore[index]
        outbox = SqliteOutbox(tmp_path / "data" / "bridge-outbox.db")
        # No cloud here: the broker has the result, but it stays in the outbox until the
        # cloud's end-to-end ack (docs/protocol.md) — a restart sends it again.
        assert outbox.depth() == 1
        outbox.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        sim.stop()
        listener.stop()
