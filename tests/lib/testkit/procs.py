"""Cloud processes for tests: `agrisafe cloud ingest|serve` configured only through env vars."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agrisafe.ids import new_id
from testkit.cloud import TEST_BOOTSTRAP_TOKEN
from testkit.net import free_port, start_server


def cloud_env(tmp: Path, mqtt_url: str, **settings: str) -> dict[str, str]:
    """AGRISAFE_* for an isolated cloud: own data dir, instance, ingest group; plus `settings`."""
    tag = new_id()[-12:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env |= {
        "AGRISAFE_DATA_DIR": str(tmp),
        "AGRISAFE_MQTT_URL": mqtt_url,
        "AGRISAFE_INSTANCE": f"t-{tag}",
        "AGRISAFE_INGEST_GROUP": f"t-{tag}",
        "AGRISAFE_ADMIN_TOKEN": TEST_BOOTSTRAP_TOKEN,
        "AGRISAFE_AUTO_REGISTER": "true",
        "AGRISAFE_LOG_LEVEL": "INFO",
        # Sessions on a shared broker should not outlive the test by days.
        "AGRISAFE_INGEST_SESSION_EXPIRY_S": "600",
    }
    env |= {f"AGRISAFE_{k.upper()}": v for k, v in settings.items()}
    return env


class CloudProcess:
    """A running `python -m agrisafe cloud …` with its log in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0  # the API's, once `start_http` has found one

    def start(self) -> "CloudProcess":
        """Start (again); the log file is appended to."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agrisafe", "cloud", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def start_http(self, timeout_s: float = 60.0) -> "CloudProcess":
        """Start `serve` on an API port of its own (`--port`) and return once it listens there.

        The port is picked free and bound later, after the app's start-up: one taken in between
        makes `serve` exit saying so, and it is started again on another. A later `start()`
        restarts it on the port it got.
        """

        def argv_at(port: int) -> list[str]:
            return [sys.executable, "-m", "agrisafe", "cloud", *self.args, "--port", str(port)]

        self.proc, self.port = start_server(
            argv_at, self.log, free_port(), may_move=True, timeout_s=timeout_s, env=self.env
        )
        self.args = [*self.args, "--port", str(self.port)]
        return self

    @property
    def base(self) -> str:
        """The API's base URL (after `start_http`)."""
        assert self.port, "start_http() picks the API port"
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """Process id of the running process."""
        assert self.proc is not None
        return self.proc.pid

    def text(self) -> str:
        """Everything logged so far."""
        return self.log.read_text("utf-8", errors="replace") if self.log.exists() else ""

    def wait_log(self, needle: str, timeout_s: float = 30.0, count: int = 1) -> None:
        """Wait until `needle` appears `count` times in the log (raise with the log otherwise)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.text().count(needle) >= count:
                return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise TimeoutError(f"{needle!r} not in log after {timeout_s}s:\n{self.text()[-4000:]}")

    def kill9(self) -> None:
        """SIGKILL: no cleanup, no acks, no flush."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """SIGTERM and wait (SIGKILL after the timeout); the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)
