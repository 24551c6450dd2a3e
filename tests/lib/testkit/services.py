"""Private real services for fault tests: Mosquitto and VictoriaMetrics on free loopback ports.

Each owns a temp directory (config, persistence, storage) and can be stopped and started again
on the same port with the same data — never the machine's shared Mosquitto on 1883.
"""

import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from agrisafe.mqtt.url import BrokerAddress, MqttProtocol
from testkit.net import free_port, start_server


def healthy(port: int) -> bool:
    """VictoriaMetrics on PORT answers its health check (it listens before it is ready)."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class PrivateMosquitto:
    """`mosquitto -c <own config>` with persistence, big queues, on a free port."""

    def __init__(self, root: Path, *, extra: str = "") -> None:
        self.root = root
        self.port = free_port()
        self.data = root / "mosquitto-data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.config = root / "mosquitto.conf"
        self.log = root / "mosquitto.log"
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = False

    def _argv(self, port: int) -> list[str]:
        self.config.write_text(
            f"listener {port} 127.0.0.1\n"
            "allow_anonymous true\n"
            # Started as root, Mosquitto switches to the `mosquitto` user unless told otherwise,
            # and then cannot write its persistence file in our temp dir: sessions and queued
            # messages would silently not survive the restart this broker exists to test.
            "user root\n"
            "persistence true\n"
            f"persistence_location {self.data}/\n"
            "autosave_interval 5\n"
            # Zero loss needs room for the backlog of an ingest worker that is away.
            "max_queued_messages 1000000\n"
            "max_inflight_messages 1000\n"
            f"{self.extra}",
            "utf-8",
        )
        return ["mosquitto", "-c", str(self.config)]

    def start(self) -> None:
        """Start; again: on the same port with the same persistence file."""
        self.proc, self.port = start_server(
            self._argv, self.log, self.port, may_move=not self.started, timeout_s=10
        )
        self.started = True

    def stop(self) -> None:
        """SIGTERM: Mosquitto saves sessions and queued messages, then exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)
        self.proc = None

    def restart(self, down_s: float = 1.0) -> None:
        """Stop, stay down a moment, start again."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def address(self, protocol: MqttProtocol = MqttProtocol.V5) -> BrokerAddress:
        """Where to connect."""
        return BrokerAddress("127.0.0.1", self.port, protocol=protocol)

    def url(self, v5: bool = True) -> str:
        """mqtt:// URL for AGRISAFE_MQTT_URL."""
        return f"mqtt://127.0.0.1:{self.port}" + ("?protocol=5" if v5 else "")


class VictoriaMetrics:
    """The Debian `victoria-metrics` binary on a free port with its own storage directory."""

    BINARY = "victoria-metrics"

    def __init__(self, root: Path) -> None:
        if shutil.which(self.BINARY) is None:
            raise RuntimeError("victoria-metrics is not installed (.ci/run installs it)")
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.storage = root / "vm-data"
        self.log = root / "vm.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = False

    @property
    def url(self) -> str:
        """Base URL (InfluxDB write API, export, PromQL)."""
        return f"http://127.0.0.1:{self.port}"

    def _argv(self, port: int) -> list[str]:
        return [
            self.BINARY,
            f"-storageDataPath={self.storage}",
            f"-httpListenAddr=127.0.0.1:{port}",
            "-retentionPeriod=100y",
            # Re-sent points (delete-after-write) are the same sample: keep one.
            "-dedup.minScrapeInterval=1ms",
            "-search.latencyOffset=0s",
            "-search.disableCache",
            "-loggerLevel=ERROR",
        ]

    def start(self) -> None:
        """Start; again: on the same port and storage."""
        self.proc, self.port = start_server(
            self._argv, self.log, self.port, may_move=not self.started, ready=healthy
        )
        self.started = True

    def stop(self) -> None:
        """Graceful stop (it flushes its buffers)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        self.proc = None

    def export(self, match: str) -> list[dict[str, Any]]:
        """Raw samples of the series matching a PromQL selector (after a flush)."""
        httpx.get(f"{self.url}/internal/force_flush", timeout=10)
        r = httpx.post(f"{self.url}/api/v1/export", data={"match[]": match}, timeout=30)
        r.raise_for_status()
        return [orjson.loads(line) for line in r.text.splitlines() if line.strip()]

    def sample_count(self, match: str) -> int:
        """Number of distinct (series, timestamp) samples matching the selector."""
        seen: set[tuple[bytes, int]] = set()
        for item in self.export(match):
            key = orjson.dumps(item["metric"], option=orjson.OPT_SORT_KEYS)
            seen.update((key, ts) for ts in item["timestamps"])
        return len(seen)
