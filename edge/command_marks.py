"""The node's durable replay guard for cloud commands: the newest one carried out, per scope.

A signed command stays valid until it expires (up to 7 days) and the site broker is open to the
base's LAN, so anyone who captured one could send it again — after a restart too, when the ids
remembered in memory are gone. The node therefore keeps, per scope of a command (its name; a
camera's zones are their own scope), the issue time and id of the newest command it carried
out, in DATA_DIR/command-marks.json (replaced atomically, fsynced), and refuses any command that
is not newer: a replay, or an older setting arriving after a newer one, which would undo it.
Every command is marked except those in `UNMARKED` (only `snapshot`): a replayed snapshot runs
again, which only takes one more still. Bounded: one entry per scope, at most `max_scopes`.
"""

import logging
import threading
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agrisafe.files import atomic_write
from agrisafe.protocol.commands import Command
from agrisafe.protocol.enums import CommandName
from agrisafe.timeutil import to_ms

logger = logging.getLogger(__name__)

MARKS_FILE = "command-marks.json"


class Mark(BaseModel):
    """The newest command carried out in one scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issued_ms: int = Field(description="its issue time (epoch ms, signed by the cloud)")
    id: str = Field(description="its id (UUIDv7: orders commands issued in the same ms)")


class _MarksFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    v: int = 1
    marks: dict[str, Mark] = Field(default_factory=dict)


class Replay(StrEnum):
    """Why a checked command must not be carried out."""

    SAME = "same"  # this very command was carried out before
    OLDER = "older"  # a newer command of its scope was carried out: this one would undo it


# Commands that leave no mark. A snapshot changes nothing (a replay takes one more still), and
# two for different cameras may well arrive out of order, so only the in-memory re-delivery
# guard sees it. An exclusion list, not an allow-list: a command added later is guarded unless
# someone decides here that replaying it is harmless.
UNMARKED = frozenset({CommandName.SNAPSHOT})


def scope_of(cmd: Command) -> str | None:
    """What a newer command supersedes: zones per camera, other commands per name; None for
    an unmarked command (`UNMARKED`)."""
    if cmd.name in UNMARKED:
        return None
    if cmd.name is CommandName.SET_ZONES:
        camera = cmd.params.get("camera")
        return f"{cmd.name.value}:{camera}"
    return cmd.name.value


def mark_of(cmd: Command) -> Mark:
    """The mark this command leaves once carried out."""
    return Mark(issued_ms=to_ms(cmd.issued), id=cmd.id)


def replay_of(cmd: Command, marks: Mapping[str, Mark]) -> Replay | None:
    """None when `cmd` is newer than everything carried out in its scope, else why not."""
    scope = scope_of(cmd)
    last = None if scope is None else marks.get(scope)
    if last is None:
        return None
    if cmd.id == last.id:
        return Replay.SAME
    mine = mark_of(cmd)
    if (mine.issued_ms, mine.id) <= (last.issued_ms, last.id):
        return Replay.OLDER
    return None


class CommandMarks:
    """The marks, kept in `path` (None: in memory only, for tests and file runs)."""

    def __init__(self, path: Path | None, *, max_scopes: int = 256) -> None:
        self.path = path
        self.max_scopes = max_scopes
        self._lock = threading.Lock()
        self._marks: dict[str, Mark] = self._load() if path is not None else {}

    def _load(self) -> dict[str, Mark]:
        assert self.path is not None
        if not self.path.is_file():
            return {}
        try:
            return dict(_MarksFile.model_validate_json(self.path.read_bytes()).marks)
        except (OSError, ValidationError) as err:
            # Written atomically, so this is damage or tampering: say so loudly; the node still
            # checks every command's signature and expiry.
            logger.error("%s unreadable, replay guard starts empty: %s", self.path, err)
            return {}

    def check(self, cmd: Command) -> Replay | None:
        """Whether `cmd` would be a replay (see `replay_of`)."""
        with self._lock:
            return replay_of(cmd, self._marks)

    def newest(self, cmd: Command) -> Mark | None:
        """The newest mark in `cmd`'s scope."""
        scope = scope_of(cmd)
        with self._lock:
            return None if scope is None else self._marks.get(scope)

    def record(self, cmd: Command) -> None:
        """Remember `cmd` as the newest of its scope, on disk before returning (OSError: not);
        an unmarked command (a snapshot) leaves no mark."""
        scope = scope_of(cmd)
        if scope is None:
            return
        with self._lock:
            marks = dict(self._marks)
            marks[scope] = mark_of(cmd)
            while len(marks) > self.max_scopes:  # bounded: the scope used longest ago goes
                del marks[min(marks, key=lambda k: (marks[k].issued_ms, marks[k].id))]
            if self.path is not None:
                doc = _MarksFile(marks=marks).model_dump_json(indent=1)
                atomic_write(self.path, doc.encode(), mode=0o600)
            self._marks = marks
