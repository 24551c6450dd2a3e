"""Runs N `agrisafe cloud ingest` worker processes for `serve` and restarts any that die.

Python threads share one interpreter lock, so scaling ingest on one machine means processes.
Each child is worker number `index` with the stable MQTT client id `{instance}-ingest-{index}`:
after a crash (even `kill -9`) the restarted child resumes the same persistent session, so the
broker re-delivers exactly what the dead one had not acknowledged. (Mosquitto keeps queueing a
shared-subscription member's share while it is away, so a member must come back, not be
replaced by a new id; see docs/scaling.md.)

This module must not import prometheus-client: `prepare_metrics_dir` runs before it is imported.
"""

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agrisafe.backoff import Backoff
from agrisafe.worker import BackgroundWorker
from cloud.settings import CloudSettings, instance_name

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def status_path(settings: CloudSettings, index: int) -> Path:
    """Where worker process `index` of this instance reports its counters (JSON)."""
    return settings.data_dir / f"{instance_name(settings)}-workers" / f"{index}.json"


def prepare_metrics_dir(directory: Path) -> None:
    """Share metrics between processes through `directory` (emptied); before prometheus import."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory.resolve())


def _env_value(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def child_env(settings: CloudSettings, mqtt_url: str, shared: bool) -> dict[str, str]:
    """Environment of a worker process: the parent's settings as `AGRISAFE_*`, one worker each.

    The parent runs the registry sync, the migrations and the time-series pump; children only
    ingest.
    """
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        key = f"AGRISAFE_{name.upper()}"
        if value is None:
            env.pop(key, None)
        else:
            env[key] = _env_value(value)
    env |= {
        "AGRISAFE_MQTT_URL": mqtt_url,
        "AGRISAFE_SHARED_SUBSCRIPTION": _env_value(shared),
        "AGRISAFE_INGEST_WORKERS": "1",
        "AGRISAFE_INGEST_PROCESSES": "0",
        "AGRISAFE_TIMESERIES_PUMP": "false",
        "AGRISAFE_DATA_DIR": str(settings.data_dir.resolve()),
    }
    env.pop("AGRISAFE_REGISTRY_FILE", None)
    return env


class IngestSupervisor(BackgroundWorker):
    """Starts, watches and restarts the worker processes."""

    def __init__(
        self,
        settings: CloudSettings,
        processes: int,
        mqtt_url: str,
        shared: bool,
        *,
        restart_delay_s: float = 1.0,
        stop_timeout_s: float = 15.0,
    ) -> None:
        super().__init__("ingest-supervisor", join_timeout_s=5.0)
        self.count = processes
        self.restarts = 0
        self._env = child_env(settings, mqtt_url, shared)
        self._status = [status_path(settings, i) for i in range(processes)]
        self._delay = restart_delay_s
        self._stop_timeout_s = stop_timeout_s
        self._procs: list[subprocess.Popen[bytes] | None] = [None] * processes
        self._started_at = [0.0] * processes
        self._lock = threading.Lock()

    def command(self, index: int) -> list[str]:
        """argv of worker `index`."""
        return [sys.executable, "-m", "agrisafe", "cloud", "ingest", "--index", str(index)]

    def processes(self) -> list[dict[str, Any]]:
        """Each worker process: pid, alive, and the counters it last reported."""
        out: list[dict[str, Any]] = []
        for i in range(self.count):
            with self._lock:
                proc = self._procs[i]
            state: dict[str, Any] = {
                "index": i,
                "pid": proc.pid if proc is not None else None,
                "alive": proc is not None and proc.poll() is None,
                "restarts": self.restarts,
            }
            with contextlib.suppress(OSError, ValueError):  # not reported yet
                state |= json.loads(self._status[i].read_bytes())
            out.append(state)
        return out

    def start(self) -> None:
        """Start every worker and the watcher."""
        for path in self._status:
            path.unlink(missing_ok=True)  # an earlier run's counters are not this run's
        for i in range(self.count):
            self._spawn(i)
        super().start()

    def _spawn(self, index: int) -> None:
        proc = subprocess.Popen(self.command(index), env=self._env)
        with self._lock:
            self._procs[index] = proc
            self._started_at[index] = time.monotonic()
        logger.info("ingest worker process %d started (pid %d)", index, proc.pid)

    def run(self) -> None:
        """Watch the workers; restart one that exited, backing off while it keeps dying."""
        # A worker that keeps dying right away backs off; one that ran a while restarts at once.
        backoff = [Backoff(self._delay, max(self._delay, 30.0)) for _ in range(self.count)]
        while not self.sleep(0.2):
            for i in range(self.count):
                with self._lock:
                    proc = self._procs[i]
                code = proc.poll() if proc is not None else None
                if code is None:
                    continue
                lived = time.monotonic() - self._started_at[i]
                if lived >= 60:
                    backoff[i].reset()
                delay = backoff[i].next()
                logger.warning(
                    "ingest worker process %d (pid %d) exited with %s; restarting in %.1f s",
                    i,
                    proc.pid if proc else -1,
                    code,
                    delay,
                )
                if self.sleep(delay):
                    return
                self.restarts += 1
                self._spawn(i)

    def on_stop(self) -> None:
        """SIGTERM every worker (they finish their batch), SIGKILL what is left after timeout."""
        with self._lock:
            procs = [p for p in self._procs if p is not None and p.poll() is None]
        for p in procs:
            p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._stop_timeout_s
        for p in procs:
            try:
                p.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                logger.error("ingest worker pid %d did not stop; killing it", p.pid)
                p.kill()
                p.wait(5)
