"""`agrisafe models …` as a user runs it: render a dataset and a clip, refuse bad input."""

import json
import subprocess
import sys
from pathlib import Path

import yaml


def agrisafe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", "models", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_render_dataset_writes_yolo_layout(tmp_path: Path) -> None:
    out = tmp_path / "data"
    run = agrisafe(
        "render-dataset",
        "--out",
        str(out),
        "--images",
        "3",
        "--seed",
        "9",
        "--width",
        "96",
        "--height",
        "54",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(out.resolve() / "data.yaml")
    meta = yaml.safe_load((out / "data.yaml").read_text())
    assert meta["counts"] == {"train": 3, "val": 1, "test": 1}
    assert len(list((out / "labels" / "train").glob("*.txt"))) == 3
    assert meta["renderer"]["train"]["spray"] is False


def test_render_dataset_records_the_v3_realism_it_used(tmp_path: Path) -> None:
    out = tmp_path / "v3"
    flags = ["--hard-negatives", "0.5", "--texture", "--spray", "--camera", "--far-people"]
    flags += ["--photo-ground", "--near-people"]
    run = agrisafe("render-dataset", "--out", str(out), "--images", "2", *flags)
    assert run.returncode == 0, run.stderr
    meta = yaml.safe_load((out / "data.yaml").read_text())
    assert meta["renderer"] == {
        "train": {
            "hard": 0.5,
            "texture": True,
            "cues": True,
            "spray": True,
            "camera": True,
            "far": True,
            "photo": True,
            "near": True,
        },
        "val_test": "v1",
    }
    assert "Axis Ag" in meta["attribution"]  # CC BY 4.0 travels with what is made from it


def test_render_clip_writes_video_and_truth(tmp_path: Path) -> None:
    clip, truth = tmp_path / "c.mp4", tmp_path / "t.json"
    run = agrisafe(
        "render-clip",
        "--seed",
        "3000001",
        "--activity",
        "spraying",
        "--seconds",
        "3",
        "--out",
        str(clip),
        "--truth",
        str(truth),
        "--width",
        "160",
        "--height",
        "90",
        "--fps",
        "10",
    )
    assert run.returncode == 0, run.stderr
    assert clip.stat().st_size > 0
    data = json.loads(truth.read_text())
    assert data["fps"] == 10
    assert [a["activity"] for a in data["activities"]] == ["spraying"]
    assert set(data["plots"]) == {data["activities"][0]["plot"]}


def test_eval_of_a_missing_model_exits_2(tmp_path: Path) -> None:
    run = agrisafe("eval", "--model", str(tmp_path / "nope.onnx"))
    assert run.returncode == 2
    assert "does not exist" in run.stderr
