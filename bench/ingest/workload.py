"""Benchmark workload: real protocol messages and the ingest process under test."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from agrisafe.ids import new_id
from agrisafe.protocol import Kind
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.protocol.topics import message_topic

BASE_S = 1_780_000_000


def rapid_tests(site: str, device: str, n: int) -> tuple[str, list[bytes]]:
    """One topic and `n` distinct rapid-test envelopes for it (one second apart)."""
    from datetime import UTC, datetime

    template = EXAMPLES[Kind.RAPID_TEST]
    out = []
    for i in range(n):
        env = dict(template) | {"id": new_id(), "site": site, "device": device}
        env["ts"] = datetime.fromtimestamp(BASE_S + i, UTC).isoformat()
        body = {"sample": f"S-{i}", "inhibition_pct": i % 40, "result": "negative"}
        env["body"] = dict(template["body"]) | body  # positives (alerts) are rare
        out.append(orjson.dumps(env))
    return message_topic(site, device, Kind.RAPID_TEST), out


def mosquitto_pub(port: int, topic: str, payloads: list[bytes], qos: int, tmp: Path) -> float:
    """Publish every payload in a separate process; seconds until the broker took them all.

    QoS 0 uses the C client (`mosquitto_pub -l`, one message per line); QoS 1 uses publish.py
    (paho, waits for every PUBACK), because `mosquitto_pub -l` does not wait at end of input.
    """
    path = tmp / f"lines-{new_id()[-8:]}.txt"
    path.write_bytes(b"\n".join(payloads) + b"\n")
    started = time.monotonic()
    if qos == 1:
        script = Path(__file__).with_name("publish.py")
        subprocess.run(
            [sys.executable, str(script), str(port), topic, str(path)],
            check=True,
            timeout=900,
            stdout=subprocess.DEVNULL,
        )
        return time.monotonic() - started
    with path.open("rb") as lines:
        subprocess.run(
            [
                "mosquitto_pub",
                *("-h", "127.0.0.1", "-p", str(port), "-t", topic, "-q", str(qos)),
                *("-l", "-i", f"bench-pub-{new_id()[-8:]}"),
            ],
            stdin=lines,
            check=True,
            timeout=600,
        )
    return time.monotonic() - started


@dataclass
class ProcStats:
    """CPU seconds and memory of a process, from /proc."""

    cpu_s: float
    rss_mb: float
    hwm_mb: float


def proc_stats(pid: int) -> ProcStats:
    """Current CPU time and resident memory (peak too) of `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )

    def mb(key: str) -> float:
        return int(status[key].split()[0]) / 1024  # /proc reports kB

    return ProcStats(cpu, mb("VmRSS"), mb("VmHWM"))


class IngestProcess:
    """`agrisafe cloud ingest` configured through AGRISAFE_* only, logging to a file."""

    def __init__(
        self, tmp: Path, mqtt_url: str, db_path: Path, *, db_url: str | None = None, **settings: str
    ) -> None:
        self.tmp = tmp
        self.db_path = db_path
        self.db_url = db_url
        self.log = tmp / f"ingest-{new_id()[-6:]}.log"
        tag = new_id()[-10:]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")} | {
            "AGRISAFE_DATA_DIR": str(tmp),
            "AGRISAFE_MQTT_URL": mqtt_url,
            "AGRISAFE_DATABASE_URL": db_url or f"sqlite:///{db_path}",
            "AGRISAFE_INSTANCE": f"bench-{tag}",
            "AGRISAFE_INGEST_GROUP": f"bench-{tag}",
            "AGRISAFE_AUTO_REGISTER": "true",
            "AGRISAFE_LOG_LEVEL": "INFO",
        }
        self.env |= {f"AGRISAFE_{k.upper()}": v for k, v in settings.items()}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process (appending to the log)."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agrisafe", "cloud", "ingest"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_subscribed(self, count: int = 1, timeout_s: float = 60) -> None:
        """Until the worker logged its subscription `count` times."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.log.read_text(errors="replace").count("subscribed to") >= count:
                return
            time.sleep(0.05)
        raise TimeoutError(self.log.read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)

    @property
    def pid(self) -> int:
        """Its process id."""
        assert self.proc is not None
        return self.proc.pid

    def stored(self) -> int:
        """Records in its store (0 before the schema exists)."""
        if self.db_url is not None:
            return _pg_count(self.db_url)
        try:
            with sqlite3.connect(self.db_path, timeout=5) as conn:
                return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def _pg_count(url: str) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM records")).scalar() or 0)
    except ProgrammingError:
        return 0
    finally:
        engine.dispose()


def pg_schema(base_url: str) -> tuple[str, object]:
    """A fresh schema in `base_url`'s database: (URL that uses it, a callable that drops it)."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{new_id()[-12:].replace('-', '')}"
    admin = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{base_url}?options=-csearch_path%3D{schema}", drop
