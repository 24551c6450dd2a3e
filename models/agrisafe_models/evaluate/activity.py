"""Activity-level evaluation: render held-out clips, run a pipeline on each, match intervals.

The pipeline is passed in as a callable (clip path, clip start time, truth) → intervals, so the
maths is tested without the edge and the real edge pipeline is plugged in by `edge_pipeline`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agrisafe_models.evaluate.envelopes import envelopes_to_intervals
from agrisafe_models.evaluate.intervals import Interval, Scores, score_clip, total
from agrisafe_models.render.clips import ClipTruth, render_clip
from agrisafe_models.render.dataset import CLIP_SEED_OFFSET

logger = logging.getLogger(__name__)

Pipeline = Callable[[Path, datetime, ClipTruth], list[Interval]]
CLIP_START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
# mostly spraying clips, with distractor-only and harvesting clips mixed in
MIX = ("spraying", "spraying", "none", "harvesting")


class EdgeUnavailable(RuntimeError):
    """The edge package (edge.offline.run_file) cannot be imported in this environment."""


@dataclass(frozen=True)
class ClipPlan:
    """How to render the held-out clips."""

    workdir: Path
    clips: int = 20
    first_seed: int = CLIP_SEED_OFFSET
    seconds: float = 30.0
    width: int = 1280
    height: int = 720
    fps: int = 25


def truth_intervals(truth: ClipTruth) -> list[Interval]:
    """The true intervals of a rendered clip."""
    return [Interval(a.activity, a.start_s, a.end_s, a.plot) for a in truth.activities]


def evaluate_clips(pipeline: Pipeline, plan: ClipPlan) -> dict[str, Any]:
    """Render PLAN's clips (seeds never used for training), run PIPELINE, score every clip."""
    per_clip: list[dict[str, Any]] = []
    scores: list[Scores] = []
    for i in range(plan.clips):
        seed = plan.first_seed + i
        activity = MIX[i % len(MIX)]
        path = plan.workdir / f"clip-{seed}.mp4"
        truth = render_clip(
            path,
            seed=seed,
            activity=activity,
            seconds=plan.seconds,
            width=plan.width,
            height=plan.height,
            fps=plan.fps,
        )
        (plan.workdir / f"clip-{seed}.json").write_text(truth.model_dump_json(indent=2))
        expected = truth_intervals(truth)
        predicted = pipeline(path, CLIP_START, truth)
        s = score_clip(expected, predicted)
        scores.append(s)
        per_clip.append(
            {
                "seed": seed,
                "activity": activity,
                "truth": [vars(t) for t in expected],
                "predicted": [vars(p) for p in predicted],
                **s.as_dict(),
            }
        )
        logger.info(
            "clip %d (%s): tp=%d fp=%d fn=%d",
            seed,
            activity,
            s.true_positives,
            s.false_positives,
            s.false_negatives,
        )
    return {
        "clips": plan.clips,
        "first_seed": plan.first_seed,
        **total(scores).as_dict(),
        "per_clip": per_clip,
    }


def edge_pipeline(model: Path | None) -> Pipeline:
    """The real edge pipeline (edge.offline.run_file) as a Pipeline; EdgeUnavailable if absent."""
    try:
        from edge.offline import run_file
    except ImportError as err:
        raise EdgeUnavailable(
            "the edge pipeline (edge.offline.run_file) is not importable here; activity-level "
            "evaluation needs the edge extra (pip install -e '.[edge]')"
        ) from err

    def run(path: Path, start: datetime, truth: ClipTruth) -> list[Interval]:
        envelopes = run_file(path, model=model, start_time=start, plots=truth.plots)
        return envelopes_to_intervals(envelopes, start, truth.seconds)

    return run
