"""The anchor log: one signed anchor a line, appended outside the database before the commit."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agrisafe.identity import generate_signing_key
from agrisafe.timeutil import Clock
from cloud.chain.anchor import Anchor, anchor_sites
from cloud.chain.anchorlog import (
    AnchorFileError,
    AnchorLog,
    anchor_line,
    anchor_log_path,
    parse_anchor_line,
    read_anchor_file,
)
from cloud.ingest.service import IngestService
from cloud.settings import CloudSettings
from cloud.store import trust_tables as tt

KEY = generate_signing_key()
Ingest = Callable[[int], list[str]]  # the `ingest` fixture (conftest.py)


def _rows(service: IngestService) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tt.chain_anchors)).scalar_one())


def test_each_round_appends_its_anchors_and_keeps_earlier_lines(
    service: IngestService, ingest: Ingest, tmp_path: Path
) -> None:
    ingest(2)
    log = AnchorLog(tmp_path / "deep" / "anchors.jsonl")
    now = Clock().now_ms()
    first = anchor_sites(service.engine, KEY, now, log)
    assert anchor_sites(service.engine, KEY, now, log) == []  # same day: nothing new
    second = anchor_sites(service.engine, KEY, now + 86_400_000, log)
    assert read_anchor_file(log.path) == [*first, *second]
    assert log.path.read_text().count("\n") == 2


def test_a_failed_log_write_commits_no_anchor_and_the_next_round_retries(
    service: IngestService, ingest: Ingest, tmp_path: Path
) -> None:
    ingest(1)
    now = Clock().now_ms()
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")  # the log's directory cannot be made: the write fails for real
    with pytest.raises((FileExistsError, NotADirectoryError)):
        anchor_sites(service.engine, KEY, now, AnchorLog(blocker / "anchors.jsonl"))
    assert _rows(service) == 0  # no anchor the log lacks
    log = AnchorLog(tmp_path / "anchors.jsonl")
    written = anchor_sites(service.engine, KEY, now, log)
    assert len(written) == 1
    assert read_anchor_file(log.path) == written
    assert _rows(service) == 1


def test_line_round_trip_and_strict_fields() -> None:
    anchor = Anchor("S", "2026-05-01", 3, "a" * 64, 1, "kid", "sig")
    assert parse_anchor_line(anchor_line(anchor)) == anchor
    with pytest.raises(ValueError, match="'seq' must be a int"):
        parse_anchor_line(anchor_line(anchor).replace('"seq":3', '"seq":true'))
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_anchor_line("[1]")


def test_a_bad_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "copy.jsonl"
    good = anchor_line(Anchor("S", "2026-05-01", 3, "a" * 64, 1, "kid", "sig"))
    path.write_text(f"{good}\n\n{{oops\n")
    with pytest.raises(AnchorFileError, match=r"copy\.jsonl:3: not an anchor"):
        read_anchor_file(path)
    with pytest.raises(AnchorFileError, match="cannot read"):
        read_anchor_file(tmp_path / "absent.jsonl")


def test_a_line_nested_too_deep_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "copy.jsonl"
    path.write_text("[" * 100_000 + "\n")  # json.loads raised RecursionError, not ValueError
    with pytest.raises(AnchorFileError, match=r"copy\.jsonl:1: not an anchor \(nested too deep"):
        read_anchor_file(path)


def test_log_lives_in_the_configured_directory(tmp_path: Path) -> None:
    default = CloudSettings.load(data_dir=tmp_path)
    assert anchor_log_path(default, tmp_path) == tmp_path / "anchors" / "anchors.jsonl"
    moved = default.model_copy(update={"anchor_log_dir": tmp_path / "worm"})
    assert anchor_log_path(moved, tmp_path) == tmp_path / "worm" / "anchors.jsonl"
