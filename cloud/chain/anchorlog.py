"""The anchor log: every signed anchor, one JSON line each, in an append-only file outside the DB.

A database writer can delete anchor rows and let the next round sign a forged head; a copy the
database cannot reach (this file, better still a copy shipped off the host or given to a
regulator) keeps naming the old head. `audit verify --anchors FILE` checks the chain against it.
Lines are the same shape `audit export-anchors` prints, so either serves as a regulator's copy.
"""

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloud.chain.anchor import Anchor
from cloud.settings import CloudSettings

logger = logging.getLogger(__name__)

LOG_NAME = "anchors.jsonl"
_FIELDS: dict[str, type] = {
    "site": str,
    "day": str,
    "seq": int,
    "hash": str,
    "anchored_ms": int,
    "key_id": str,
    "signature": str,
}


class AnchorFileError(ValueError):
    """An anchor file that cannot be read at all, naming the file."""


def anchor_log_path(settings: CloudSettings, data_dir: Path) -> Path:
    """Where this cloud appends its anchors (`anchor_log_dir`, default DATA_DIR/anchors)."""
    return (settings.anchor_log_dir or data_dir / "anchors") / LOG_NAME


def anchor_line(anchor: Anchor) -> str:
    """One anchor as one compact JSON line (no newline)."""
    doc = {name: getattr(anchor, name) for name in _FIELDS}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_anchor_line(text: str) -> Anchor:
    """The anchor in one line; ValueError naming what is wrong."""
    doc: Any = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    values: dict[str, Any] = {}
    for name, kind in _FIELDS.items():
        value = doc.get(name)
        # bool is an int to isinstance; a true/false seq is as wrong as a missing one.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{name!r} must be a {kind.__name__}")
        values[name] = value
    return Anchor(**values)


@dataclass(frozen=True, slots=True)
class Damage:
    """A line of an anchor file that holds no anchor: a torn write (a power cut mid-append) or
    an edit. `audit verify` reports it and checks every other line."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: not an anchor ({self.reason})"


@dataclass(frozen=True, slots=True)
class AnchorFile:
    """What an anchor file holds: its anchors, and the lines that hold none."""

    anchors: list[Anchor] = field(default_factory=list)
    damaged: list[Damage] = field(default_factory=list)


def parse_anchor_lines(lines: Iterable[bytes | str], source: str) -> AnchorFile:
    """Every anchor in `lines` (blank lines skipped), and a `Damage` for each other line.

    A bad line does not stop the reading: one torn line would otherwise make the whole log
    unusable, and every anchor after it would go unchecked until someone edited the file.
    """
    out = AnchorFile()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8") if isinstance(line, bytes) else line
            out.anchors.append(parse_anchor_line(text))
        except ValueError as err:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            out.damaged.append(Damage(source, number, str(err)))
        except RecursionError:  # json recurses once per `[`: a line of 100 000 is no anchor
            out.damaged.append(Damage(source, number, "nested too deep"))
    return out


def read_anchor_file(path: Path) -> AnchorFile:
    """Every anchor in the file at `path`, and its damaged lines; AnchorFileError when the file
    cannot be read at all."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AnchorFileError(f"{path}: cannot read ({err})") from err
    # Bytes split at "\n" only: a write torn inside a UTF-8 character spoils its own line, not
    # the file, and str.splitlines would also split at U+2028 inside a (non-ASCII) site id.
    return parse_anchor_lines(data.split(b"\n"), str(path))


class AnchorLog:
    """`AnchorSink` appending to one file, fsynced before the anchors' rows commit."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, anchors: Sequence[Anchor]) -> None:
        """Append one line per anchor and fsync (the directory too when the file is new)."""
        if not anchors:
            return
        data = "".join(anchor_line(a) + "\n" for a in anchors).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        # O_APPEND: a concurrent `audit anchor` and the worker never overwrite each other's lines.
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if _torn(fd):
                # A power cut mid-append left a line without its newline: end it, or the first
                # new anchor is glued onto it and lost with it. (Two writers doing this at once
                # leave a blank line, which readers skip.)
                data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.path.parent)
        logger.info("chain: %d anchor(s) appended to %s", len(anchors), self.path)


def _torn(fd: int) -> bool:
    """True when the open file is not empty and does not end in a newline."""
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def _fsync_dir(path: Path) -> None:
    # Without it a crash can lose the new file's directory entry and with it every line.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
