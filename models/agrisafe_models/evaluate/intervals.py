"""Activity-interval matching maths (pure): IoU, one-to-one matching, precision and recall.

A predicted interval matches a true one when activity and plot agree and their temporal IoU is at
least `min_iou` (0.5 by default); each interval matches at most once, best IoU first.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """An activity on a plot from start_s to end_s (seconds from the clip's first frame)."""

    activity: str
    start_s: float
    end_s: float
    plot: str = "default"

    def __post_init__(self) -> None:
        if self.end_s < self.start_s:
            raise ValueError(f"interval ends before it starts: {self.start_s} > {self.end_s}")


@dataclass(frozen=True)
class Match:
    """A matched pair: indexes into the true and predicted lists, and their IoU."""

    truth: int
    predicted: int
    iou: float


@dataclass(frozen=True)
class Scores:
    """Counts and rates over one or many clips."""

    true_positives: int
    false_positives: int
    false_negatives: int
    iou_sum: float

    @property
    def precision(self) -> float:
        """Matched predictions / all predictions (1.0 when nothing was predicted)."""
        n = self.true_positives + self.false_positives
        return self.true_positives / n if n else 1.0

    @property
    def recall(self) -> float:
        """Matched truths / all truths (1.0 when there was nothing to find)."""
        n = self.true_positives + self.false_negatives
        return self.true_positives / n if n else 1.0

    @property
    def mean_iou(self) -> float:
        """Mean IoU of the matched pairs (0.0 without matches)."""
        return self.iou_sum / self.true_positives if self.true_positives else 0.0

    def __add__(self, other: "Scores") -> "Scores":
        return Scores(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.iou_sum + other.iou_sum,
        )

    def as_dict(self) -> dict[str, float]:
        """The scores as a JSON-ready dict."""
        return {
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "precision": self.precision,
            "recall": self.recall,
            "mean_iou": self.mean_iou,
        }


EMPTY = Scores(0, 0, 0, 0.0)


def interval_iou(a: Interval, b: Interval) -> float:
    """Temporal intersection over union of A and B (0.0 for disjoint or empty intervals)."""
    inter = max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))
    union = (a.end_s - a.start_s) + (b.end_s - b.start_s) - inter
    return inter / union if union > 0 else 0.0


def match_intervals(
    truth: list[Interval], predicted: list[Interval], min_iou: float = 0.5
) -> list[Match]:
    """Greedy one-to-one matching, highest IoU first, same activity and plot only."""
    pairs = [
        Match(i, j, interval_iou(t, p))
        for i, t in enumerate(truth)
        for j, p in enumerate(predicted)
        if t.activity == p.activity and t.plot == p.plot
    ]
    pairs.sort(key=lambda m: (-m.iou, m.truth, m.predicted))
    used_t: set[int] = set()
    used_p: set[int] = set()
    out: list[Match] = []
    for m in pairs:
        if m.iou < min_iou or m.truth in used_t or m.predicted in used_p:
            continue
        used_t.add(m.truth)
        used_p.add(m.predicted)
        out.append(m)
    return out


def score_clip(truth: list[Interval], predicted: list[Interval], min_iou: float = 0.5) -> Scores:
    """Scores of one clip."""
    matches = match_intervals(truth, predicted, min_iou)
    tp = len(matches)
    return Scores(tp, len(predicted) - tp, len(truth) - tp, sum(m.iou for m in matches))


def total(scores: Iterable[Scores]) -> Scores:
    """Scores summed over clips (micro-averaged rates)."""
    out = EMPTY
    for s in scores:
        out = out + s
    return out
