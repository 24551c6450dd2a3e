"""The edge node's publisher and a full `--config --once` run without a broker."""

from datetime import UTC, datetime
from pathlib import Path

from agrisafe.outbox import SqliteOutbox
from agrisafe.protocol import ActivityEnvelope
from edge.app import Publisher, build_app
from edge.config import SiteConfig
from edge.detect import load_detector
from edge.params import DetectorParams
from edge.stats import Stats
from edge.telemetry import Health, telemetry_envelope
from testkit.edge_media import brightness_video, yolo_model


def test_a_full_outbox_refuses_without_stopping_the_camera(tmp_path: Path) -> None:
    outbox = SqliteOutbox(tmp_path / "o.db", max_bytes=200)
    woke: list[int] = []
    pub = Publisher(outbox, lambda: woke.append(1))
    env = telemetry_envelope("S", "edge", Health(60, Stats(), 0, 0, 0, 1))
    pub.publish(env)
    assert outbox.depth() == 0
    assert pub.refused == 1
    assert woke == []
    outbox.close()


def test_two_file_cameras_with_plots_run_to_the_end(tmp_path: Path) -> None:
    video = brightness_video(tmp_path / "v.mp4", [(1.0, False), (3.0, True), (1.0, False)])
    left = [(0.0, 0.0), (90.0, 0.0), (90.0, 96.0), (0.0, 96.0)]
    right = [(90.0, 0.0), (160.0, 0.0), (160.0, 96.0), (90.0, 96.0)]
    cfg = SiteConfig.model_validate(
        {
            "site": "S1",
            "device": "edge-01",
            "cameras": [
                {"name": "a", "source": str(video), "realtime": False,
                 "plots": [{"id": "P-left", "polygon": left}]},
                {"name": "b", "source": str(video), "realtime": False,
                 "plots": [{"id": "P-right", "polygon": right}]},
            ],
        }
    )  # fmt: skip
    seen: list[ActivityEnvelope] = []
    det = load_detector(yolo_model(tmp_path / "m.onnx"), DetectorParams())
    node = build_app(
        cfg, det, tmp_path / "data", None, on_envelope=seen.append,
        start_time=datetime(2026, 5, 1, tzinfo=UTC),
    )  # fmt: skip
    node.start()
    assert node.wait_cameras(60)
    node.stop()
    # the person's foot (x 80 at 160 px width) lies in the left plot only
    assert sorted(
        ((e.body.model_extra or {})["camera"], e.body.plot, e.body.state.value) for e in seen
    ) == [
        ("a", "P-left", "end"),
        ("a", "P-left", "start"),
    ]
    assert all(e.body.evidence for e in seen)
