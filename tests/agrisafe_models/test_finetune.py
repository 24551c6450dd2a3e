"""The fine-tuning ship gate (pure) and the command without the train extra."""

import copy
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from agrisafe_models.cli import app
from agrisafe_models.finetune import GATED, ship_gate, training_available

BASE: dict[str, Any] = {
    "rendered": {"map50": 0.975, "map50_95": 0.8},
    "real": {
        "cue_recall_positives": 0.6,
        "false_cue_rate_negatives": 0.1,
        "person_recall_count": 0.7,
        "person_recall_images": 0.8,
        "person_recall_boxes": 0.5,
        "false_person_rate_empty": 0.3,
        "false_person_rate_empty_tracked": 0.1,
        "person_as_livestock_or_drone": 3,
    },
    "hard": {"false_cue_rate": 0.2},
    "hard_v3": {"false_cue_rate": 0.3, "person_recall_count": 0.6},
}


def test_a_model_no_worse_ships() -> None:
    better = copy.deepcopy(BASE)
    better["real"]["false_cue_rate_negatives"] = 0.02
    better["real"]["person_recall_count"] = 0.95
    decision = ship_gate(BASE, better)
    assert decision.ship, decision.reasons
    assert decision.compared["real.person_recall_count"] == (0.7, 0.95)


@pytest.mark.parametrize(("part", "name", "higher"), GATED)
def test_worse_on_any_metric_is_refused(part: str, name: str, higher: bool) -> None:
    worse = copy.deepcopy(BASE)
    worse[part][name] = BASE[part][name] + (-0.05 if higher else 0.05)
    decision = ship_gate(BASE, worse)
    assert not decision.ship
    [reason] = decision.reasons
    assert reason.startswith(f"{part}.{name} got worse: ")


def test_no_hard_negative_score_for_the_base_is_not_gated() -> None:
    # a base scored before renderer v2 existed has no hard-negative number: nothing to keep
    old = {k: v for k, v in BASE.items() if not k.startswith("hard")}
    decision = ship_gate(old, copy.deepcopy(BASE))
    assert decision.ship, decision.reasons
    assert decision.compared["hard.false_cue_rate"] == (None, 0.2)
    assert decision.compared["hard_v3.person_recall_count"] == (None, 0.6)


def test_a_set_not_evaluated_is_refused() -> None:
    decision = ship_gate(BASE, {"rendered": BASE["rendered"]})
    assert not decision.ship
    assert "the real set was not evaluated for the candidate" in decision.reasons


@given(
    st.dictionaries(
        st.sampled_from(["rendered", "real", "x"]),
        st.dictionaries(st.text(max_size=30), st.none() | st.floats() | st.booleans() | st.text()),
    )
)
def test_any_candidate_report_gets_a_decision(candidate: dict[str, Any]) -> None:
    decision = ship_gate(BASE, candidate)
    assert decision.ship == (not decision.reasons)
    assert ship_gate(BASE, BASE).ship


@pytest.mark.skipif(training_available(), reason="checks the message shown without the extra")
def test_finetune_without_the_train_extra_says_what_to_install(tmp_path: Path) -> None:
    for name in ("base.pt", "data.yaml", "rendered.yaml"):
        (tmp_path / name).write_text("x")
    args = ["finetune", "--base", str(tmp_path / "base.pt"), "--data", str(tmp_path / "data.yaml")]
    result = CliRunner().invoke(app, [*args, "--rendered", str(tmp_path / "rendered.yaml")])
    assert result.exit_code == 2
    assert "agrisafe[train]" in result.output


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the train extra")
def test_training_available_with_the_train_extra() -> None:
    assert training_available()
