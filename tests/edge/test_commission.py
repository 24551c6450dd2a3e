"""`agrisafe edge commission`: a recording → report JSON, plot proposal over a snapshot, and the
record that makes the edge's activities say `commissioned: true`."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from agrisafe_models.render.clips import render_clip
from edge.commission import load_record, record_path, survey
from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import Crops
from edge.frames import Frame
from edge.params import PipelineParams, VerifierParams
from testkit.paths import SHIPPED_MODEL_DIR

MODEL = SHIPPED_MODEL_DIR / "model.onnx"


def agrisafe(*args: str, data: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    env["AGRISAFE_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", "edge", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("commission") / "spraying.mp4"
    render_clip(out, seed=910001, activity="spraying", seconds=8, width=640, height=360, fps=10)
    return out


def site(tmp_path: Path, clip: Path) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(
        f"""site: SX-TG-001
device: edge-01
model: {MODEL}
pipeline:
  verifier: {{enabled: false}}  # COCO rarely confirms a rendered worker; not under test here
cameras:
  - name: cam-01
    source: {clip}
    realtime: false
    plots:
      - id: P1
        polygon: [[0, 0], [639, 0], [639, 359], [0, 359]]
""",
        encoding="utf-8",
    )
    return path


def test_commission_reports_and_proposes_without_a_record(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "survey"
    proc = agrisafe(
        "commission", "--camera", "cam-01", "--source", str(clip), "--seconds", "4",
        "--model", str(MODEL), "--out", str(out), data=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    report = result["report"]
    assert 19 <= report["frames"] <= 21  # 4 s at 5 detect-fps
    assert report["seconds"] <= 4.0
    assert "person" in report["classes"]
    person = report["classes"]["person"]
    assert sum(person["score_hist"]) == round(person["per_frame"] * report["frames"])
    assert 0 < report["motion_share"] <= 1
    assert report["proposed_plots"]
    # the rendered worker is ~40 % of a 720 p frame: large enough at 320 px, so no tiles advice
    assert report["person_px_at_input"] > 32
    assert not any("tiles" in line for line in report["advice"])
    for name in ("snapshot.jpg", "proposal.jpg", "plots.proposed.yaml", "report.json"):
        assert (out / name).stat().st_size > 0
    assert "--confirm" in proc.stderr
    assert "record" not in result
    assert load_record(tmp_path, "cam-01") is None


def test_confirmed_commissioning_marks_the_cameras_activities(clip: Path, tmp_path: Path) -> None:
    cfg = site(tmp_path, clip)
    proc = agrisafe(
        "commission", "--camera", "cam-01", "-c", str(cfg), "--seconds", "2", "--confirm",
        data=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    record = load_record(tmp_path, "cam-01")
    assert record is not None
    assert list(record.plots) == ["P1"]  # the plots in site.yaml, as confirmed
    run = agrisafe(
        "run", "-c", str(cfg), "--once", "--start-time", "2026-05-01T08:00:00+08:00",
        "--mqtt-url", "embedded", data=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    bodies = [json.loads(line)["body"] for line in run.stdout.splitlines()]
    assert bodies, run.stderr
    assert all(b["commissioned"] is True for b in bodies)


def test_an_unknown_camera_is_a_clear_error(clip: Path, tmp_path: Path) -> None:
    proc = agrisafe(
        "commission", "--camera", "nope", "-c", str(site(tmp_path, clip)), data=tmp_path
    )
    assert proc.returncode == 2
    assert "no camera 'nope'" in proc.stderr


def test_a_damaged_record_leaves_the_camera_uncommissioned(tmp_path: Path) -> None:
    path = record_path(tmp_path, "cam-01")
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"camera": "cam-01", "created": 3')
    assert load_record(tmp_path, "cam-01") is None
    path.write_bytes(path.read_bytes()[:0] + b"\xff\xfe")
    assert load_record(tmp_path, "cam-01") is None


class Scripted:
    """Fake detector and COCO verifier: fixed boxes (the survey's counting is under test)."""

    info = ModelInfo("scripted", "1", ("person",), (320, 320))

    def __init__(self, boxes: list[Detection]) -> None:
        self.boxes = boxes
        self.looks = 0
        self.crops: list[list[tuple[int, int, int, int]]] = []  # per look

    def detect(self, frame: Image) -> list[Detection]:
        return self.boxes

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        self.looks += 1
        self.crops.append(list(crops))
        return self.boxes


def _frames(n: int) -> list[Frame]:
    t0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    image = np.zeros((360, 640, 3), np.uint8)
    return [Frame(i, t0 + timedelta(seconds=i / 10), image) for i in range(n)]


def test_commissioning_counts_the_people_coco_sees_and_ours_misses() -> None:
    worker = Detection("person", 0.8, (100.0, 100.0, 140.0, 220.0))
    coco = Scripted([worker])
    report, _ = survey(
        iter(_frames(60)),
        Scripted([]),
        PipelineParams(),
        camera="c",
        source="s",
        seconds=60,
        verifier=coco,
    )
    assert coco.looks == 6  # once a second over 6 s of frames
    assert (report.coco_people, report.people_missed) == (6, 6)
    assert any(line.startswith("our model missed 6 of the 6 people") for line in report.advice)
    report, _ = survey(
        iter(_frames(60)),
        Scripted([worker]),
        PipelineParams(),
        camera="c",
        source="s",
        seconds=60,
        verifier=coco,
    )
    assert (report.coco_people, report.people_missed) == (6, 0)
    assert (report.our_people, report.people_unconfirmed) == (6, 0)
    assert report.advice == []
    report, _ = survey(
        iter(_frames(10)), Scripted([]), PipelineParams(), camera="c", source="s", seconds=60
    )
    assert (report.coco_people, report.people_missed) == (None, None)  # no verifier: not said
    assert (report.our_people, report.people_unconfirmed) == (None, None)


def test_commissioning_counts_our_sure_people_coco_never_sees() -> None:
    nozzle = Detection("person", 0.62, (100.0, 100.0, 120.0, 160.0))  # a parked drone's nozzle
    weak = Detection("person", 0.3, (300.0, 100.0, 320.0, 160.0))  # never starts a track
    report, _ = survey(
        iter(_frames(60)),
        Scripted([nozzle, weak]),
        PipelineParams(),
        camera="c",
        source="s",
        seconds=60,
        verifier=Scripted([]),  # COCO sees nobody
    )
    assert (report.our_people, report.people_unconfirmed) == (6, 6)
    [line] = [a for a in report.advice if "unconfirmed_person" in a]
    assert line.startswith("the COCO verifier saw no person at 6 of our model's 6 people")
    # the site's tracker start score decides what counts as sure
    strict = PipelineParams.model_validate({"tracker": {"high_score": 0.7}})
    report, _ = survey(
        iter(_frames(60)), Scripted([nozzle]), strict, camera="c", source="s", seconds=60,
        verifier=Scripted([]),
    )  # fmt: skip
    assert (report.our_people, report.people_unconfirmed) == (0, 0)


def test_commissioning_looks_around_motion_as_the_sweep_is_set_to() -> None:
    t0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    frames = []
    for i in range(20):  # a small square crossing a dark frame, 2 s at 10 fps
        image = np.zeros((360, 640, 3), np.uint8)
        image[200:212, 100 + 10 * i : 108 + 10 * i] = 255
        frames.append(Frame(i, t0 + timedelta(seconds=i / 10), image))

    def crops_looked_at(params: PipelineParams) -> list[list[tuple[int, int, int, int]]]:
        coco = Scripted([])
        survey(
            iter(frames), Scripted([]), params, camera="c", source="s", seconds=60, verifier=coco
        )
        return coco.crops

    looked = crops_looked_at(PipelineParams(verifier=VerifierParams(sweep_motion_crop=0.33)))
    assert looked[0] == []  # the first frame only sets the motion background
    [(x1, y1, x2, y2)] = looked[1]  # at 1 s the square is at x 200-208, y 200-212
    assert (x2 - x1, y2 - y1) == (118, 118)
    assert x1 < 204 < x2
    assert y1 < 206 < y2
    assert crops_looked_at(PipelineParams()) == [[], []]  # off by default
