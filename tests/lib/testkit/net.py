"""Network helpers for tests and benchmarks: free ports, servers started on them, waiting."""

import itertools
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Ports handed to servers that bind them later (Mosquitto, VictoriaMetrics, a cloud process):
# each xdist worker draws from its own block below the kernel's ephemeral range. A port the
# kernel picked for bind(0) and we released can be picked again for another worker a moment
# later, and two workers then start servers on one port (seen in CI); the kernel never hands
# out these blocks, and no other worker draws from ours.
_FIRST_PORT = 20000
_BLOCK = 400
_cursor = itertools.count(os.getpid() % _BLOCK)  # a rerun does not start on the same port


def _ephemeral_low() -> int:
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text("ascii")
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # unset when not under xdist
    return int(name[2:]) if name[2:].isdigit() else 0


def _bindable(host: str, port: int) -> bool:
    # no SO_REUSEADDR: a port whose connections linger in TIME_WAIT is skipped too
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now that no other xdist worker and no kernel port pick will hand out."""
    low = _FIRST_PORT + _worker_index() * _BLOCK
    if low + _BLOCK > _ephemeral_low():  # more workers than blocks: let the kernel pick
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            return int(s.getsockname()[1])
    for _ in range(_BLOCK):
        port = low + next(_cursor) % _BLOCK
        if _bindable(host, port):
            return port
    raise RuntimeError(f"no free port in {low}..{low + _BLOCK - 1}")


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, timeout_s: float = 20.0) -> None:
    """Wait until host:port accepts connections; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout_s}s")


def wait_for(predicate: "object", timeout_s: float = 10.0, interval_s: float = 0.05) -> bool:
    """Poll `predicate()` until it is truthy or the timeout passes; return the last result."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return bool(predicate())
        time.sleep(interval_s)


@contextmanager
def held_port(port: int = 0, host: str = "127.0.0.1") -> Iterator[int]:
    """PORT (0: one the kernel picks) taken by a listener of ours while the block runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((host, port))
        holder.listen()
        yield int(holder.getsockname()[1])


def listens(pid: int, port: int) -> bool:
    """True when process PID itself holds a listening TCP socket on PORT (Linux /proc): a
    server that failed to bind is not taken for ready because another process answers there."""
    mine = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            mine.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:  # closed since the listing (the listing's own descriptor, for one)
            continue
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text("ascii").splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()  # sl local_address rem_address st(0A: LISTEN) ... uid timeout inode
            on_port = cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port
            if on_port and f"socket:[{cols[9]}]" in mine:
                return True
    return False


def start_server(
    argv_at: Callable[[int], list[str]],
    log: Path,
    port: int,
    *,
    may_move: bool,
    ready: Callable[[int], bool] | None = None,
    timeout_s: float = 20.0,
    env: dict[str, str] | None = None,
) -> tuple["subprocess.Popen[bytes]", int]:
    """Start the server `argv_at(PORT)` (its output appended to LOG) and wait until it listens
    there and READY(port) holds (default: nothing more); the process and the port it serves.

    A port from `free_port` is only free when picked: the server binds it later, and a process
    outside our workers can take it in between. When the server exits saying its address is in
    use, and MAY_MOVE, it is started again on another free port (`argv_at` writes the new one
    into its config); a restart that must keep its port never moves. Any other early exit is
    an error quoting what the server wrote, at once rather than after the timeout.
    """
    for _ in range(3):
        seen = log.stat().st_size if log.exists() else 0
        argv = argv_at(port)
        with log.open("ab") as out:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while proc.poll() is None:
            if listens(proc.pid, port) and (ready is None or ready(port)):
                return proc, port
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise TimeoutError(f"{argv[0]} not ready on port {port} after {timeout_s}s ({log})")
            time.sleep(0.1)
        with log.open("rb") as out:
            out.seek(seen)
            said = out.read().decode("utf-8", "replace")
        if not (may_move and "address already in use" in said.lower()):
            raise RuntimeError(
                f"{argv[0]} exited with {proc.returncode} before serving port {port}: {said[-500:]}"
            )
        port = free_port()
    raise RuntimeError(f"{argv[0]}: three free ports in a row were taken before it bound them")
