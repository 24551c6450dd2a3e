"""Motion gating: cheap background subtraction on a downscaled luma frame.

As Frigate does (improved_motion): luma resized to ~100 px high, blurred, `absdiff` against a
running-average background, thresholded; the changed fraction is the motion ratio. When most of
the frame changes at once (lightning, IR switch, auto-exposure) the background is reset instead
of reporting motion everywhere.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from edge.geometry import Box
from edge.params import MotionParams


@dataclass(frozen=True, slots=True)
class MotionResult:
    """This frame's changed fraction, whether it counts as motion, and whether we recalibrated."""

    ratio: float
    moving: bool
    recalibrated: bool


@dataclass
class MotionDetector:
    """Running-average background over small grey frames."""

    params: MotionParams
    _background: npt.NDArray[np.float32] | None = field(default=None, repr=False)
    _changed: npt.NDArray[np.uint8] | None = field(default=None, repr=False)
    _step: int = 1

    def small_luma(self, frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """Grey, ~`height` px high, blurred: what motion is computed on."""
        # A strided view costs nothing; converting and blurring ~100×180 pixels costs little.
        # (An INTER_AREA resize of the full frame took as long as decoding it.) The blur
        # removes the aliasing that skipping pixels leaves.
        step = self._step = max(1, frame.shape[0] // self.params.height)
        small = frame[::step, ::step]
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return cv2.GaussianBlur(grey, (5, 5), 0).astype(np.float32)

    def update(self, frame: npt.NDArray[np.uint8]) -> MotionResult:
        """Compare with the background, then fold the frame into it."""
        luma = self.small_luma(frame)
        self._changed = None
        if self._background is None or self._background.shape != luma.shape:
            self._background = luma
            return MotionResult(1.0, True, True)  # first frame: look at it
        diff = cv2.absdiff(luma, self._background)
        changed = diff > self.params.threshold
        ratio = float(np.count_nonzero(changed)) / diff.size
        if ratio > self.params.recalibrate_above:
            self._background = luma
            return MotionResult(ratio, False, True)
        cv2.accumulateWeighted(luma, self._background, self.params.alpha)
        if ratio > 0:  # under `min_area` too: a far worker walking changes a few pixels
            self._changed = changed.astype(np.uint8)
        return MotionResult(ratio, ratio >= self.params.min_area, False)

    @property
    def changed(self) -> bool:
        """True when the last frame changed anywhere, under `min_area` too."""
        return self._changed is not None

    def regions(self) -> list[Box]:
        """Where the last frame changed, under `min_area` too: one box per connected changed
        area, in frame pixels, largest first; none when nothing changed (or the background
        was reset)."""
        if self._changed is None:
            return []
        n, _, stats, _ = cv2.connectedComponentsWithStats(self._changed, connectivity=8)
        k = self._step
        blobs = sorted(stats[1:n].tolist(), key=lambda s: -s[cv2.CC_STAT_AREA])
        return [
            (float(x * k), float(y * k), float((x + w) * k), float((y + h) * k))
            for x, y, w, h, _ in blobs
        ]
