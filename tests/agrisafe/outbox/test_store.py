"""SqliteOutbox: order, durability across kill -9, size bound and overflow policy."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agrisafe.outbox import OutboxFull, OverflowPolicy, Publication, SqliteOutbox


def test_fifo_peek_and_ack(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db")
    for n in range(5):
        box.put(f"t/{n}", f"p{n}".encode())
    items = box.peek(limit=3)
    assert [i.topic for i in items] == ["t/0", "t/1", "t/2"]
    assert [i.topic for i in box.peek(after_seq=items[-1].seq)] == ["t/3", "t/4"]
    box.ack([items[0].seq, items[2].seq])
    assert [i.topic for i in box.peek()] == ["t/1", "t/3", "t/4"]
    assert box.depth() == 3
    assert box.size_bytes() == 6


def test_rows_survive_reopen(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db")
    box.put_many([Publication("a", b"1"), Publication("b", b"2", retain=True)])
    box.close()
    again = SqliteOutbox(tmp_path / "o.db")
    items = again.peek()
    assert [(i.topic, i.payload, i.retain) for i in items] == [
        ("a", b"1", False),
        ("b", b"2", True),
    ]
    assert again.size_bytes() == 2


_WRITER = """
import os, signal, sys
from pathlib import Path
from agrisafe.outbox import SqliteOutbox
box = SqliteOutbox(Path(sys.argv[1]))
for n in range(int(sys.argv[2])):
    box.put("t", str(n).encode())
print("done", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_acknowledged_puts_survive_kill_9(tmp_path: Path) -> None:
    """Every put that returned is on disk even when the process dies without closing."""
    path = tmp_path / "o.db"
    proc = subprocess.run(
        [sys.executable, "-c", _WRITER, str(path), "300"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL
    assert "done" in proc.stdout
    box = SqliteOutbox(path)
    assert [int(i.payload) for i in box.peek(limit=1000)] == list(range(300))


def test_reject_new_when_full_keeps_old_rows(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db", max_bytes=100, policy=OverflowPolicy.REJECT_NEW)
    box.put("keep", b"x" * 60)
    with pytest.raises(OutboxFull):
        box.put("new", b"y" * 60)
    assert [i.topic for i in box.peek()] == ["keep"]


def test_droppable_rows_make_room_first(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db", max_bytes=100, policy=OverflowPolicy.REJECT_NEW)
    box.put("telemetry", b"t" * 40, droppable=True)
    box.put("record", b"r" * 40)
    box.put("record2", b"s" * 40)  # needs room: the telemetry row goes, the record stays
    assert [i.topic for i in box.peek()] == ["record", "record2"]
    assert box.dropped == 1


def _stored_bytes(box: SqliteOutbox) -> int:
    return int(
        box._db.execute("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM outbox").fetchone()[0]
    )


def test_a_refused_put_changes_neither_the_size_nor_the_dropped_count(tmp_path: Path) -> None:
    # The droppable rows a refused put would have deleted come back with its rollback: the
    # byte counter and `dropped` must not count them, or each refusal lets the bound drift.
    box = SqliteOutbox(tmp_path / "o.db", max_bytes=10_000, policy=OverflowPolicy.REJECT_NEW)
    for _ in range(10):
        box.put("t/tele", b"x" * 100, droppable=True)
    box.put("t/rec", b"r" * 8000)
    accepted = 0
    for _ in range(8):
        try:
            box.put("t/rec", b"n" * 2500)
            accepted += 1
        except OutboxFull:
            pass
        assert box.size_bytes() == _stored_bytes(box) <= box.max_bytes
    assert accepted == 0  # 8000 B of records + 2500 never fit in 10 000, telemetry or not
    assert box.dropped == 0
    assert box.depth() == 11
    box.put("t/rec", b"m" * 1500)  # fits once 500 B of telemetry go: those are counted
    assert box.dropped == 5
    assert box.size_bytes() == _stored_bytes(box) == 10_000


def test_drop_oldest_policy_keeps_newest(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db", max_bytes=100, policy=OverflowPolicy.DROP_OLDEST)
    for n in range(5):
        box.put(f"r{n}", b"z" * 40)
    assert [i.topic for i in box.peek()] == ["r3", "r4"]
    assert box.dropped == 3
    assert box.size_bytes() == 80


def test_payload_bigger_than_the_bound_is_refused(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db", max_bytes=10, policy=OverflowPolicy.DROP_OLDEST)
    with pytest.raises(OutboxFull):
        box.put("big", b"b" * 11)
    assert box.depth() == 0
    assert os.path.exists(tmp_path / "o.db")
