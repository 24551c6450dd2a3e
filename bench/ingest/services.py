"""Private services for the benchmark: Mosquitto and VictoriaMetrics on free loopback ports."""

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout_s: float = 10.0) -> None:
    """Block until 127.0.0.1:port accepts connections."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port}")


class Mosquitto:
    """`mosquitto -c` with the queue limits raised so a pre-loaded backlog is kept whole."""

    def __init__(self, root: Path, *, inflight: int = 1000, persistence: bool = False) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = root / f"mosquitto-{self.port}.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            "max_queued_messages 0\n"  # no limit: the benchmark queues everything up front
            f"max_inflight_messages {inflight}\n"
            f"persistence {'true' if persistence else 'false'}\n"
            f"persistence_location {root}/\n",
            "utf-8",
        )
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def url(self, v5: bool = True) -> str:
        """Broker URL for AGRISAFE_MQTT_URL."""
        return f"mqtt://127.0.0.1:{self.port}" + ("?protocol=5" if v5 else "")

    def stop(self) -> None:
        """Terminate."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


class Victoria:
    """VictoriaMetrics with its own storage directory."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                "victoria-metrics",
                f"-storageDataPath={root / 'vm'}",
                f"-httpListenAddr=127.0.0.1:{self.port}",
                "-retentionPeriod=100y",
                "-dedup.minScrapeInterval=1ms",
                "-loggerLevel=ERROR",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError("VictoriaMetrics did not start")

    def stop(self) -> None:
        """Terminate."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
