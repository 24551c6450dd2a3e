"""Calibrated confidence: a detector score → the probability that the object is really there.

A YOLO score is not a probability: 0.4 may be right nine times in ten for one class and one in
three for another. `agrisafe models calibrate` fits a monotone map per class on held-out images
(isotonic regression: precision as a function of score) and writes `calibration.json` beside the
model. With it, an activity's confidence is the mean over its frames of the calibrated score of
its weakest object — the number the cloud compares with its confidence floor. Without it (an
older model folder) scores pass through unchanged. The maps are pure; only loading reads a file.
"""

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge.errors import read_beside

FILE = "calibration.json"


class ClassMap(BaseModel):
    """A monotone piecewise-linear map: score X[i] → probability Y[i] (flat outside)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    x: list[float] = Field(min_length=1)
    y: list[float] = Field(min_length=1)

    @model_validator(mode="after")
    def _monotone(self) -> "ClassMap":
        if len(self.x) != len(self.y):
            raise ValueError("x and y differ in length")
        if any(not 0 <= v <= 1 for v in (*self.x, *self.y)):
            raise ValueError("scores and probabilities lie in [0, 1]")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ValueError("x must not decrease")
        if any(b < a for a, b in zip(self.y, self.y[1:], strict=False)):
            raise ValueError("y must not decrease (a higher score is never less likely right)")
        return self

    def __call__(self, score: float) -> float:
        return float(np.interp(score, self.x, self.y))


class Calibration(BaseModel):
    """Per-class maps for one model, and what they were fitted on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str = Field(description="name and version of the model calibrated")
    fitted_on: str = Field(description="the held-out data the maps come from")
    classes: dict[str, ClassMap]

    def apply(self, label: str, score: float) -> float:
        """The calibrated probability of one detection (its score when the class has no map)."""
        m = self.classes.get(label)
        return m(score) if m is not None else score


def load_calibration(model: Path) -> Calibration | None:
    """`calibration.json` beside the model, or None when it has none."""
    return read_beside(model, FILE, Calibration, "a calibration")
