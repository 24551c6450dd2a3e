"""False spraying cues on rendered hard negatives, with the shipped model and from the CLI."""

import json
from pathlib import Path

from typer.testing import CliRunner

from agrisafe.machine import fingerprint
from agrisafe_models import class_id
from agrisafe_models.cli import app
from agrisafe_models.evaluate.hard import HARD_ONLY, HARD_SEED_OFFSET, HARD_V3, evaluate_hard
from agrisafe_models.render.compose import render_still
from edge.detect import load_detector
from edge.params import DetectorParams
from testkit.paths import SHIPPED_MODEL_DIR

MODEL = SHIPPED_MODEL_DIR / "model.onnx"


def test_shipped_model_on_hard_negatives() -> None:
    result = evaluate_hard(load_detector(MODEL, DetectorParams()), images=12)
    truth = sum(
        1
        for i in range(12)
        for c, _ in render_still(HARD_SEED_OFFSET + i, 384, 216, HARD_ONLY)[1]
        if c == class_id("person")
    )
    assert result["images"] == 12
    assert result["people"] == truth > 0
    assert 0.0 <= result["false_cue_rate"] <= 1.0
    assert 0.0 <= result["person_recall_count"] <= 1.0


def test_eval_command_reports_hard_negatives(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    res = CliRunner().invoke(
        app, ["eval", "--model", str(MODEL), "--hard", "4", "--json", str(out)]
    )
    assert res.exit_code == 0, res.output
    written = json.loads(out.read_text())
    hard = written["hard"]
    assert hard["images"] == 4
    assert hard == evaluate_hard(load_detector(MODEL, DetectorParams()), images=4)
    # the figures move with the CPU's kernels: the JSON says which machine gave them
    assert written["machine"] == fingerprint()


def test_v3_hard_set_is_a_different_harder_set_with_small_people(tmp_path: Path) -> None:
    out = tmp_path / "eval3.json"
    args = ["eval", "--model", str(MODEL), "--hard", "4", "--hard-renderer", "v3"]
    res = CliRunner().invoke(app, [*args, "--json", str(out)])
    assert res.exit_code == 0, res.output
    hard = json.loads(out.read_text())["hard"]
    detector = load_detector(MODEL, DetectorParams())
    assert hard == evaluate_hard(detector, images=4, realism=HARD_V3)
    v2_people = evaluate_hard(detector, images=4)["people"]
    assert hard["people"] >= v2_people  # the same scenes, plus people far off
    for i in range(4):
        _, labels = render_still(HARD_SEED_OFFSET + i, 384, 216, HARD_V3)
        assert not {c for c, _ in labels} & {class_id("spray_plume"), class_id("backpack_sprayer")}


def test_unknown_hard_renderer_is_refused() -> None:
    res = CliRunner().invoke(
        app, ["eval", "--model", str(MODEL), "--hard", "2", "--hard-renderer", "v9"]
    )
    assert res.exit_code == 2
    assert "--hard-renderer must be one of" in res.output
