"""The node's durable replay guard (edge/command_marks.py): the newest command per scope."""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from agrisafe.ids import new_id
from agrisafe.protocol.commands import Command
from agrisafe.protocol.enums import CommandName
from agrisafe.timeutil import to_ms
from edge.command_marks import UNMARKED, CommandMarks, Mark, Replay, replay_of, scope_of

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def _cmd(name: CommandName, issued: datetime, **params: Any) -> Command:
    return Command(
        id=new_id(to_ms(issued)),
        site="S1",
        device="edge-01",
        name=name,
        params=params,
        issued=issued,
        expires=issued + timedelta(days=7),
        by="admin",
    )


def _scope(cmd: Command) -> str:
    scope = scope_of(cmd)
    assert scope is not None
    return scope


def test_newer_passes_the_same_and_older_do_not() -> None:
    old = _cmd(CommandName.SET_THRESHOLDS, T0, conf=0.95)
    new = _cmd(CommandName.SET_THRESHOLDS, T0 + timedelta(days=1), conf=0.25)
    marks = {_scope(new): Mark(issued_ms=to_ms(new.issued), id=new.id)}
    assert replay_of(new, marks) is Replay.SAME
    assert replay_of(old, marks) is Replay.OLDER
    newer = _cmd(CommandName.SET_THRESHOLDS, T0 + timedelta(days=2), conf=0.3)
    assert replay_of(newer, marks) is None
    assert replay_of(old, {}) is None


def test_same_millisecond_is_ordered_by_id() -> None:
    first = _cmd(CommandName.SET_MODEL, T0, version="2.0.0")
    second = _cmd(CommandName.SET_MODEL, T0, version="1.0.0")  # same ms: the id orders them
    marks = {_scope(first): Mark(issued_ms=to_ms(T0), id=first.id)}
    assert replay_of(second, marks) is None
    marks = {_scope(second): Mark(issued_ms=to_ms(T0), id=second.id)}
    assert replay_of(first, marks) is Replay.OLDER


def test_zones_are_scoped_per_camera() -> None:
    square = [(0.0, 0.0), (9.0, 0.0), (9.0, 9.0)]
    east = _cmd(CommandName.SET_ZONES, T0, camera="east", plots={"P1": square})
    west = _cmd(CommandName.SET_ZONES, T0 + timedelta(hours=1), camera="west", plots={})
    marks = {_scope(west): Mark(issued_ms=to_ms(west.issued), id=west.id)}
    assert replay_of(east, marks) is None  # a newer west does not supersede east
    assert scope_of(east) != scope_of(_cmd(CommandName.SET_THRESHOLDS, T0, conf=0.5))


def test_marks_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "command-marks.json"
    old = _cmd(CommandName.SET_THRESHOLDS, T0, conf=0.95)
    new = _cmd(CommandName.SET_THRESHOLDS, T0 + timedelta(days=1), conf=0.25)
    CommandMarks(path).record(new)
    again = CommandMarks(path)  # the node restarted
    assert again.check(new) is Replay.SAME
    assert again.check(old) is Replay.OLDER
    assert CommandMarks(None).check(old) is None  # in memory only: nothing survives


def test_bounded_to_max_scopes_dropping_the_oldest(tmp_path: Path) -> None:
    marks = CommandMarks(tmp_path / "m.json", max_scopes=3)
    cmds = [
        _cmd(CommandName.SET_ZONES, T0 + timedelta(minutes=i), camera=f"c{i}", plots={})
        for i in range(5)
    ]
    for c in cmds:
        marks.record(c)
    reopened = CommandMarks(tmp_path / "m.json", max_scopes=3)
    assert [reopened.newest(c) is not None for c in cmds] == [False, False, True, True, True]


def test_an_unreadable_file_starts_empty_and_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{not json")
    marks = CommandMarks(path)
    cmd = _cmd(CommandName.SET_THRESHOLDS, T0, conf=0.5)
    assert marks.check(cmd) is None
    marks.record(cmd)
    assert CommandMarks(path).check(cmd) is Replay.SAME


def test_a_snapshot_changes_no_setting_and_is_never_superseded(tmp_path: Path) -> None:
    # Two evidence requests for two cameras, issued 5 ms apart, delivered out of order: both
    # are carried out (neither undoes the other).
    marks = CommandMarks(tmp_path / "m.json")
    east = _cmd(CommandName.SNAPSHOT, T0, camera="east")
    west = _cmd(CommandName.SNAPSHOT, T0 + timedelta(milliseconds=5), camera="west")
    marks.record(west)
    assert marks.check(east) is None
    assert marks.newest(west) is None  # no mark at all
    assert scope_of(east) is None


def test_a_command_added_later_is_marked_unless_listed_as_unmarked(tmp_path: Path) -> None:
    # Only a snapshot goes unmarked: a command the protocol gains later (stood in for here by
    # a name outside today's enum) keeps its replay protection without anyone remembering to
    # add it to a list.
    class Future(StrEnum):
        REBOOT = "reboot"

    reboot = _cmd(CommandName.SET_MODEL, T0, version="1.0.0").model_copy(
        update={"name": Future.REBOOT}
    )
    assert scope_of(reboot) == "reboot"
    marks = CommandMarks(tmp_path / "m.json")
    marks.record(reboot)
    assert CommandMarks(tmp_path / "m.json").check(reboot) is Replay.SAME  # after a restart too
    assert {CommandName.SNAPSHOT} == UNMARKED
    guarded = [n for n in CommandName if n not in UNMARKED]
    assert all(scope_of(_cmd(n, T0, camera="c")) is not None for n in guarded)
