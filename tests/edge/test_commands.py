"""The node carries out checked commands on its running cameras and answers each once."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agrisafe.identity import SigningKey, generate_signing_key
from agrisafe.identity.downlink import sign_command
from agrisafe.ids import new_id
from agrisafe.protocol.commands import Command
from agrisafe.protocol.enums import CommandName, CommandStatus
from agrisafe.protocol.envelope import CommandResultEnvelope
from agrisafe.protocol.topics import command_topic
from edge.app import EdgeApp, build_app
from edge.command_marks import MARKS_FILE, CommandMarks
from edge.commands import CommandExecutor
from edge.config import SiteConfig
from edge.detect import load_detector
from edge.detect.onnx import OnnxDetector
from edge.params import DetectorParams
from testkit.edge_media import brightness_video, yolo_model

CLOUD = generate_signing_key()


@dataclass
class Node:
    app: EdgeApp
    detector: OnnxDetector
    executor: CommandExecutor
    answers: list[CommandResultEnvelope]


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    video = brightness_video(tmp_path / "v.mp4", [(0.5, False), (1.0, True)])
    cfg = SiteConfig.model_validate(
        {"site": "S1", "device": "edge-01", "cameras": [{"name": "gate", "source": str(video)}]}
    )
    det = load_detector(yolo_model(tmp_path / "m.onnx"), DetectorParams())
    assert isinstance(det, OnnxDetector)
    app = build_app(cfg, det, tmp_path / "data", None, start_time=datetime(2026, 5, 1, tzinfo=UTC))
    app.start()
    assert app.wait_cameras(60)
    answers: list[CommandResultEnvelope] = []
    executor = CommandExecutor(
        "S1",
        "edge-01",
        CLOUD.public_key(),
        app.runners,
        app.evidence,
        answers.append,
        thresholds=det.set_thresholds,
    )
    yield Node(app, det, executor, answers)
    app.stop()


def _send(node: Node, name: CommandName, params: dict[str, Any], **kw: Any) -> Any:
    now = datetime.now(UTC)
    key: SigningKey = kw.pop("key", CLOUD)
    cmd = Command(
        id=kw.pop("id", new_id()),
        site="S1",
        device="edge-01",
        name=name,
        params=params,
        issued=now,
        expires=now + kw.pop("ttl", timedelta(minutes=5)),
        by="admin",
    )
    return node.executor.handle(command_topic("S1", "edge-01", name.value), sign_command(cmd, key))


def test_snapshot_stores_the_latest_frame_as_evidence(node: Node) -> None:
    env = _send(node, CommandName.SNAPSHOT, {})
    assert env.body.status is CommandStatus.DONE
    [ref] = env.body.evidence
    assert node.app.evidence is not None
    assert ref.sha256 in {p.sha256 for p in node.app.evidence.pending(100)}
    missing = _send(node, CommandName.SNAPSHOT, {"camera": "nowhere"})
    assert missing.body.status is CommandStatus.FAILED


def test_set_zones_applies_from_the_next_frame(node: Node) -> None:
    square = [(0.0, 0.0), (50.0, 0.0), (50.0, 50.0), (0.0, 50.0)]
    env = _send(node, CommandName.SET_ZONES, {"camera": "gate", "plots": {"P9": square}})
    assert env.body.status is CommandStatus.DONE
    pipe = node.app.runners[0].pipeline
    assert "P9" not in pipe.plots
    frame = pipe.last_frame
    assert frame is not None
    pipe.process(frame)
    assert dict(pipe.plots) == {"P9": square}
    other = _send(node, CommandName.SET_ZONES, {"camera": "back", "plots": {"P9": square}})
    assert other.body.status is CommandStatus.REFUSED


def test_set_thresholds_changes_what_the_detector_keeps(node: Node) -> None:
    frame = node.app.runners[0].pipeline.last_frame
    assert frame is not None
    assert node.detector.detect(frame.image)  # the bright last frame: objects seen
    env = _send(node, CommandName.SET_THRESHOLDS, {"conf": 0.95})
    assert env.body.status is CommandStatus.DONE
    assert node.detector.detect(frame.image) == []
    bad = _send(node, CommandName.SET_THRESHOLDS, {"class_conf": {"unicorn": 0.5}})
    assert bad.body.status is CommandStatus.REFUSED
    assert "unicorn" in (bad.body.detail or "")


def test_refusals_duplicates_and_forgeries(node: Node) -> None:
    model = _send(node, CommandName.SET_MODEL, {"version": "2.0.0"})
    assert model.body.status is CommandStatus.REFUSED
    same = new_id()
    assert _send(node, CommandName.SNAPSHOT, {}, id=same) is not None
    assert _send(node, CommandName.SNAPSHOT, {}, id=same) is None  # re-delivered: once only
    stale = _send(node, CommandName.SNAPSHOT, {}, ttl=timedelta(seconds=-1))
    assert stale.body.status is CommandStatus.REFUSED
    assert "expired" in (stale.body.detail or "")
    forged = _send(node, CommandName.SNAPSHOT, {}, key=generate_signing_key())
    assert forged is None  # no answer to what the cloud did not sign
    assert [a.body.status for a in node.answers] == [
        CommandStatus.REFUSED,
        CommandStatus.DONE,
        CommandStatus.REFUSED,
    ]
    assert all(a.body.command for a in node.answers)


def _status(answer: CommandResultEnvelope | None) -> CommandStatus:
    assert answer is not None
    return answer.body.status


def _thresholds_node(data_dir: Path, applied: list[float | None]) -> CommandExecutor:
    """A node whose only part is the detector's thresholds (recorded); its replay guard lives in
    DATA_DIR like the app's (a new executor = the node after a restart)."""
    return CommandExecutor(
        "S1",
        "edge-01",
        CLOUD.public_key(),
        [],
        None,
        lambda env: None,
        thresholds=lambda conf, _cc: applied.append(conf),
        marks=CommandMarks(data_dir / MARKS_FILE),
    )


def _signed(conf: float, issued: datetime) -> bytes:
    cmd = Command(
        id=new_id(),
        site="S1",
        device="edge-01",
        name=CommandName.SET_THRESHOLDS,
        params={"conf": conf},
        issued=issued,
        expires=issued + timedelta(days=7),
        by="admin",
    )
    return sign_command(cmd, CLOUD)


def test_a_replay_after_a_restart_is_refused(tmp_path: Path) -> None:
    topic = command_topic("S1", "edge-01", "set_thresholds")
    now = datetime.now(UTC)
    old, new = _signed(0.95, now - timedelta(days=2)), _signed(0.25, now - timedelta(days=1))
    applied: list[float | None] = []
    before = _thresholds_node(tmp_path, applied)
    assert _status(before.handle(topic, old)) is CommandStatus.DONE
    assert _status(before.handle(topic, new)) is CommandStatus.DONE
    after = _thresholds_node(tmp_path, applied)  # power cut, update: memory is gone
    assert after.handle(topic, new) is None  # carried out before the restart: once only
    replayed = after.handle(topic, old)  # captured off the LAN, sent again
    assert replayed is not None
    assert replayed.body.status is CommandStatus.REFUSED
    assert "newer" in (replayed.body.detail or "")
    assert applied == [0.95, 0.25]


def test_an_older_command_after_a_newer_one_is_refused(tmp_path: Path) -> None:
    topic = command_topic("S1", "edge-01", "set_thresholds")
    now = datetime.now(UTC)
    older, newer = _signed(0.95, now - timedelta(hours=2)), _signed(0.25, now - timedelta(hours=1))
    applied: list[float | None] = []
    node = _thresholds_node(tmp_path, applied)
    assert _status(node.handle(topic, newer)) is CommandStatus.DONE
    late = node.handle(topic, older)  # never seen before, but it would undo the newer setting
    assert late is not None
    assert late.body.status is CommandStatus.REFUSED
    assert applied == [0.25]
    latest = _signed(0.5, now)
    assert _status(node.handle(topic, latest)) is CommandStatus.DONE
    assert applied == [0.25, 0.5]
