"""Plot proposals: polygons around green ground, the whole frame when there is none."""

import cv2
import numpy as np

from edge.plot_proposal import draw_plots, propose_plots


def test_plots_are_proposed_around_green_ground() -> None:
    image = np.full((360, 640, 3), 120, dtype=np.uint8)
    cv2.rectangle(image, (20, 200), (300, 350), (40, 160, 40), -1)
    cv2.rectangle(image, (340, 180), (620, 350), (30, 150, 50), -1)
    plots = propose_plots(image)
    assert list(plots) == ["P1", "P2"]
    xs = [x for x, _ in plots["P1"]]
    assert min(xs) < 40
    assert max(xs) < 320
    gray = np.full((360, 640, 3), 90, dtype=np.uint8)
    assert list(propose_plots(gray)) == ["default"]


def test_drawn_plots_are_a_copy_with_the_outlines() -> None:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    drawn = draw_plots(image, {"P1": [(10, 10), (150, 10), (150, 90)]})
    assert drawn.shape == image.shape
    assert image.max() == 0  # the snapshot itself is untouched
    assert (drawn[10, 10:150] == (0, 255, 255)).all()  # the top edge, in yellow
