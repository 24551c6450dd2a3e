"""Calibration maps: validated on load, monotone, applied per class, absent means unchanged."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.calibration import FILE, Calibration, ClassMap, load_calibration
from edge.errors import ModelError


def test_a_map_interpolates_and_is_flat_outside() -> None:
    m = ClassMap(x=[0.3, 0.5, 0.8], y=[0.1, 0.5, 0.9])
    assert m(0.4) == pytest.approx(0.3)
    assert m(0.1) == 0.1
    assert m(0.99) == 0.9
    cal = Calibration(model="m 1", fitted_on="test", classes={"spray_plume": m})
    assert cal.apply("spray_plume", 0.5) == 0.5
    assert cal.apply("person", 0.42) == 0.42  # no map for the class: the score passes


@pytest.mark.parametrize(
    ("x", "y", "why"),
    [
        ([0.3, 0.2], [0.1, 0.2], "x must not decrease"),
        ([0.2, 0.3], [0.5, 0.4], "y must not decrease"),
        ([0.2, 0.3], [0.5], "differ in length"),
        ([0.2, 1.3], [0.5, 0.6], r"\[0, 1\]"),
        ([0.2, float("nan")], [0.5, 0.6], r"\[0, 1\]"),
        ([0.2, 0.3], [0.5, float("inf")], r"\[0, 1\]"),
    ],
)
def test_a_bad_map_is_refused(x: list[float], y: list[float], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        ClassMap(x=x, y=y)


@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=20),
    st.lists(st.floats(0, 1), min_size=1, max_size=20),
    st.floats(-1, 2, allow_nan=False),
    st.floats(-1, 2, allow_nan=False),
)
def test_any_valid_map_is_monotone_and_stays_in_range(
    xs: list[float], ys: list[float], a: float, b: float
) -> None:
    n = min(len(xs), len(ys))
    m = ClassMap(x=sorted(xs[:n]), y=sorted(ys[:n]))
    lo, hi = sorted((a, b))
    assert 0 <= m(lo) <= m(hi) <= 1


def test_loading_beside_the_model(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    assert load_calibration(model) is None  # an older model folder: no maps
    cal = Calibration(model="m", fitted_on="t", classes={"person": ClassMap(x=[0.5], y=[0.7])})
    (tmp_path / FILE).write_text(cal.model_dump_json())
    assert load_calibration(model) == cal
    (tmp_path / FILE).write_text('{"model": "m", "fitted_on": "t", "classes": {"person": 3}}')
    with pytest.raises(ModelError, match="not a calibration"):
        load_calibration(model)
