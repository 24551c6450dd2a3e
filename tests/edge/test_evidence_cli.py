"""`agrisafe edge evidence set-aside|requeue`: an operator puts refused files back in the queue."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge.cli import app
from edge.evidence import EvidenceStore


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = EvidenceStore(tmp_path / "evidence", 10 << 20)
    for i in range(3):
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg")
    first, second, third = (p.sha256 for p in store.pending())
    store.mark_rejected(first, "cloud refused 415: not an allowed evidence file")
    store.mark_rejected(second, "cloud refused 422: sha256 mismatch")
    store.mark_lost(third, "file missing before upload")
    store.close()
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["evidence", *args])
    return result.exit_code, result.stdout, result.stderr


def _pending(data_dir: Path) -> list[str]:
    store = EvidenceStore(data_dir / "evidence", 10 << 20)
    try:
        return [p.sha256 for p in store.pending()]
    finally:
        store.close()


def test_lists_then_requeues_one_then_all(data_dir: Path) -> None:
    code, out, _ = _run("set-aside", "--data-dir", str(data_dir))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    rejected = sorted(r["sha256"] for r in rows if r["outcome"] == "rejected")
    assert len(rejected) == 2
    assert {r["outcome"] for r in rows} == {"rejected", "lost"}

    code, out, _ = _run("requeue", rejected[0].upper(), "--data-dir", str(data_dir))
    assert (code, out.split()) == (0, [rejected[0]])
    assert _pending(data_dir) == [rejected[0]]

    code, out, _ = _run("requeue", "--all", "--data-dir", str(data_dir))
    assert (code, out.split()) == (0, [rejected[1]])  # the lost one has no bytes to send
    assert sorted(_pending(data_dir)) == rejected


def test_refuses_unclear_requests(data_dir: Path, tmp_path: Path) -> None:
    assert _run("requeue", "--data-dir", str(data_dir))[0] == 2  # neither --all nor a hash
    assert _run("requeue", "--all", "a" * 64, "--data-dir", str(data_dir))[0] == 2
    code, _, err = _run("requeue", "f" * 64, "--data-dir", str(data_dir))
    assert code == 1
    assert "f" * 64 in err
    code, _, err = _run("requeue", "--all", "--data-dir", str(tmp_path / "nowhere"))
    assert code == 2
    assert "no evidence index" in err
