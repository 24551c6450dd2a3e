"""The anchor log: one signed anchor a line, appended outside the database before the commit."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agrisafe.identity import generate_signing_key
from agrisafe.timeutil import Clock
from cloud.chain.anchor import Anchor, anchor_sites
from cloud.chain.anchorlog import (
    AnchorFile,
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
    assert read_anchor_file(log.path).anchors == [*first, *second]
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
    assert read_anchor_file(log.path).anchors == written
    assert _rows(service) == 1


def test_line_round_trip_and_strict_fields() -> None:
    anchor = Anchor("S", "2026-05-01", 3, "a" * 64, 1, "kid", "sig")
    assert parse_anchor_line(anchor_line(anchor)) == anchor
    with pytest.raises(ValueError, match="'seq' must be a int"):
        parse_anchor_line(anchor_line(anchor).replace('"seq":3', '"seq":true'))
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_anchor_line("[1]")


def _anchor(seq: int) -> Anchor:
    return Anchor("S", "2026-05-01", seq, "a" * 64, 1, "kid", "sig")


def test_a_bad_line_is_named_and_the_lines_after_it_still_read(tmp_path: Path) -> None:
    path = tmp_path / "copy.jsonl"
    path.write_text(f"{anchor_line(_anchor(3))}\n\n{{oops\n{anchor_line(_anchor(4))}\n")
    read = read_anchor_file(path)  # raised at line 3: nothing after it was checked
    assert read.anchors == [_anchor(3), _anchor(4)]
    assert [str(d) for d in read.damaged] == [
        f"{path}:3: not an anchor (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))"
    ]
    with pytest.raises(AnchorFileError, match="cannot read"):
        read_anchor_file(tmp_path / "absent.jsonl")


def test_a_line_nested_too_deep_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "copy.jsonl"
    path.write_text("[" * 100_000 + "\n")  # json.loads raised RecursionError, not ValueError
    assert [str(d) for d in read_anchor_file(path).damaged] == [
        f"{path}:1: not an anchor (nested too deep)"
    ]


def test_a_torn_last_line_is_damage_and_the_next_append_starts_a_new_line(
    tmp_path: Path,
) -> None:
    log = AnchorLog(tmp_path / "anchors.jsonl")
    log.append([_anchor(1)])
    whole = anchor_line(_anchor(2))
    # A power cut mid-write: half a line, cut inside a UTF-8 character, no newline.
    with log.path.open("ab") as f:
        f.write(whole.encode()[:40] + "站".encode()[:2])
    torn = read_anchor_file(log.path)
    assert torn.anchors == [_anchor(1)]
    assert [(d.line, d.reason.startswith("'utf-8' codec")) for d in torn.damaged] == [(2, True)]
    log.append([_anchor(2), _anchor(3)])  # was glued onto the torn line and lost with it
    after = read_anchor_file(log.path)
    assert after.anchors == [_anchor(1), _anchor(2), _anchor(3)]
    assert [d.line for d in after.damaged] == [2]
    log.append([_anchor(4)])  # the file ends in a newline again: nothing added before
    assert log.path.read_bytes().endswith(
        f"{anchor_line(_anchor(3))}\n{anchor_line(_anchor(4))}\n".encode()
    )


def test_a_whole_last_line_without_newline_is_an_anchor(tmp_path: Path) -> None:
    path = tmp_path / "copy.jsonl"
    path.write_text(anchor_line(_anchor(1)))  # a copy saved by hand; JSON cannot be cut to a whole
    assert read_anchor_file(path) == AnchorFile([_anchor(1)], [])


def test_a_site_id_with_a_line_separator_stays_one_line(tmp_path: Path) -> None:
    anchor = Anchor("S\u2028X", "2026-05-01", 1, "a" * 64, 1, "kid", "sig")
    log = AnchorLog(tmp_path / "anchors.jsonl")
    log.append([anchor])  # json.dumps keeps U+2028 as is; str.splitlines split there
    assert read_anchor_file(log.path) == AnchorFile([anchor], [])


def test_log_lives_in_the_configured_directory(tmp_path: Path) -> None:
    default = CloudSettings.load(data_dir=tmp_path)
    assert anchor_log_path(default, tmp_path) == tmp_path / "anchors" / "anchors.jsonl"
    moved = default.model_copy(update={"anchor_log_dir": tmp_path / "worm"})
    assert anchor_log_path(moved, tmp_path) == tmp_path / "worm" / "anchors.jsonl"
