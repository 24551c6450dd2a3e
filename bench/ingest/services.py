"""Private services for the benchmark: Mosquitto and VictoriaMetrics on free loopback ports.

The ports come from the tests' `testkit.net`: below the kernel's ephemeral range, so no client
connection of the benchmark (publishers, HTTP queries) can take a server's port between its pick
and the server's bind, as it can a port from bind(0), an ephemeral one free for any connect().
"""

import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "lib"))
from testkit.net import free_port, port_open, start_server, wait_port
from testkit.services import healthy

__all__ = ["Mosquitto", "Victoria", "free_port", "port_open", "start_server", "wait_port"]


class Mosquitto:
    """`mosquitto -c` with the queue limits raised so a pre-loaded backlog is kept whole."""

    def __init__(self, root: Path, *, inflight: int = 1000, persistence: bool = False) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.inflight, self.persistence = root, inflight, persistence
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        """Start; again (after `stop`): on the same port."""
        self.proc, self.port = start_server(
            self._argv, self.root / "mosquitto.log", self.port, may_move=self.proc is None
        )

    def _argv(self, port: int) -> list[str]:
        self.config = self.root / f"mosquitto-{port}.conf"
        self.config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\n"
            "max_queued_messages 0\n"  # no limit: the benchmark queues everything up front
            f"max_inflight_messages {self.inflight}\n"
            f"persistence {'true' if self.persistence else 'false'}\n"
            f"persistence_location {self.root}/\n",
            "utf-8",
        )
        return ["mosquitto", "-c", str(self.config)]

    def url(self, v5: bool = True) -> str:
        """Broker URL for AGRISAFE_MQTT_URL."""
        return f"mqtt://127.0.0.1:{self.port}" + ("?protocol=5" if v5 else "")

    def stop(self) -> None:
        """Terminate."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


class Victoria:
    """VictoriaMetrics with its own storage directory."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.proc, self.port = start_server(
            self._argv, root / "vm.log", free_port(), may_move=True, ready=healthy
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def _argv(self, port: int) -> list[str]:
        return [
            "victoria-metrics",
            f"-storageDataPath={self.root / 'vm'}",
            f"-httpListenAddr=127.0.0.1:{port}",
            "-retentionPeriod=100y",
            "-dedup.minScrapeInterval=1ms",
            "-loggerLevel=ERROR",
        ]

    def stop(self) -> None:
        """Terminate."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
