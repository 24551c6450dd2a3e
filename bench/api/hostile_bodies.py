"""Peak memory of the cloud under hostile request bodies: this tree against a baseline tree.

    nice -n 15 .venv/bin/python bench/api/hostile_bodies.py [--baseline /work/main] [--mib 300]

Starts `python -m agrisafe cloud serve` (embedded broker, SQLite in a temp dir) once with this
tree's code and once with `--baseline`'s on PYTHONPATH, then sends to each route in `ROUTES`,
one after another, an unauthenticated body of `--mib` MiB: chunked (no Content-Length, so
nothing can refuse it up front) and declared. For each it reports the status and the server's
peak RSS (VmHWM) growth. Prints one JSON object.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "lib"))
from testkit.net import free_port  # below the ephemeral range: no client connect() takes it

HERE = Path(__file__).resolve().parents[2]
# Routes with a JSON body are read (and parsed) by FastAPI before their token dependency runs.
ROUTES = (
    "POST /api/v1/messages",
    "POST /api/v1/evidence",
    "POST /api/v1/tokens",
    "POST /api/v1/webhooks",
    "PUT /api/v1/sites/X",
)
MIB = 1024 * 1024


def _hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _chunks(mib: int) -> Iterator[bytes]:
    block = b"\0" * MIB
    for _ in range(mib):
        yield block


def _serve(tree: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")} | {
        "PYTHONPATH": f"{tree}:{tree / 'models'}:{tree / 'demo'}",
        "AGRISAFE_DATA_DIR": str(tmp),
        "AGRISAFE_MQTT_URL": "embedded",
        "AGRISAFE_BROKER_PORT": str(free_port()),
        "AGRISAFE_HTTP_PORT": str(port),
        "AGRISAFE_ADMIN_TOKEN": secrets.token_urlsafe(32),
        "AGRISAFE_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "agrisafe", "cloud", "serve"],
        env=env,
        cwd=tmp,  # `-m` puts the working directory first on sys.path: not this tree's
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"cloud from {tree} did not start")


def _attack(base: str, pid: int, route: str, mib: int, declared: bool) -> dict[str, Any]:
    method, path = route.split(" ", 1)
    before = _hwm_mib(pid)
    headers = {"Content-Length": str(mib * MIB)} if declared else {}
    headers["Content-Type"] = "application/json"
    try:
        with httpx.Client(timeout=120) as c:
            status: int | str = c.request(
                method, f"{base}{path}", content=_chunks(mib), headers=headers
            ).status_code
    except httpx.HTTPError as err:
        status = type(err).__name__
    return {
        "route": route,
        "declared_length": declared,
        "status": status,
        "peak_rss_growth_mib": round(_hwm_mib(pid) - before, 1),
    }


def run_tree(tree: Path, mib: int) -> dict[str, Any]:
    """All attacks against one tree's cloud."""
    with tempfile.TemporaryDirectory(prefix="bench-bodies-") as tmp:
        proc, base = _serve(tree, Path(tmp))
        try:
            idle = _hwm_mib(proc.pid)
            attacks = [
                _attack(base, proc.pid, route, mib, declared=declared)
                for route in ROUTES
                for declared in (False, True)
            ]
        finally:
            proc.terminate()
            proc.wait(30)
    return {"tree": str(tree), "idle_peak_rss_mib": round(idle, 1), "attacks": attacks}


def main() -> None:
    """Measure the baseline tree, then this one; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, default=Path("/work/main"))
    parser.add_argument("--mib", type=int, default=300)
    args = parser.parse_args()
    out = {
        "mib_sent": args.mib,
        "baseline": run_tree(args.baseline, args.mib),
        "this_tree": run_tree(HERE, args.mib),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
