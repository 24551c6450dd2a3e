"""bench/models/isa_drift.py: what two machines' detections on the real photos have in common."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "models" / "isa_drift.py"


@pytest.fixture(scope="module")
def drift() -> ModuleType:
    spec = importlib.util.spec_from_file_location("isa_drift", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(photos: dict[str, Any]) -> dict[str, Any]:
    return {"machine": {"isa": []}, "photos": photos}


def test_the_same_machine_twice_agrees_on_real_photos(drift: ModuleType) -> None:
    here = drift.record(None)  # the photos inside installed packages (bus, zidane …)
    assert "pkg:ultralytics/assets/bus.jpg" in here["photos"]
    assert here["machine"]["packages"]["onnxruntime"]
    got = drift.compare(here, drift.record(None))
    assert got["photos"] == len(here["photos"]) > 0
    assert got["coco"]["detections"] > 0
    for name in ("ours", "coco"):
        assert got[name]["photos_differing"] == 0
        assert got[name]["detections_on_one_machine_only"] == 0
        assert got[name]["largest_score_difference"] == 0.0


def test_a_score_moved_and_a_detection_lost_are_both_counted(drift: ModuleType) -> None:
    man = ["person", 0.80, [10.0, 10.0, 50.0, 120.0]]
    cow = ["livestock", 0.30, [200.0, 50.0, 300.0, 120.0]]
    a = _run({"p.jpg": {"ours": [man, cow], "coco": [man]}})
    moved = ["person", 0.7999, [10.0, 10.0, 50.01, 120.0]]
    b = _run({"p.jpg": {"ours": [moved], "coco": [man]}, "only-b.jpg": {"ours": [man]}})
    got = drift.compare(a, b)
    assert got["photos"] == 1  # a photo one machine lacks is not compared
    assert got["ours"]["photos_differing"] == 1
    assert got["ours"]["detections_on_one_machine_only"] == 1  # the cow
    assert got["ours"]["largest_score_difference"] == pytest.approx(0.0001)
    assert got["coco"]["photos_differing"] == 0
    # the same class far off is not a twin; another class on the same box is not either
    far = ["person", 0.80, [100.0, 10.0, 140.0, 120.0]]
    cow_on_man = ["livestock", 0.80, man[2]]
    got = drift.compare(
        _run({"p.jpg": {"ours": [man]}}), _run({"p.jpg": {"ours": [far, cow_on_man]}})
    )
    assert got["ours"]["detections_on_one_machine_only"] == 3
