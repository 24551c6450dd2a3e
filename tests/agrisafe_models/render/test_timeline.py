"""Actor paths of the clip renderer: valid for any seed and plot."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agrisafe_models.render.timeline import path_x, worker_path


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    seconds=st.floats(5.0, 120.0),
    left=st.floats(0.0, 600.0),
    plot_w=st.floats(1.0, 700.0),
    px_per_m=st.floats(5.0, 80.0),
    moving=st.booleans(),
)
def test_worker_path_is_valid_for_any_plot(
    seed: int, seconds: float, left: float, plot_w: float, px_per_m: float, moving: bool
) -> None:
    # seed 900003 once raised here: the span took the whole plot and float rounding made the
    # uniform draw's high bound smaller than its low bound
    rng = np.random.default_rng(seed)
    keys, (start, stop) = worker_path(
        rng, seconds, (left, left + plot_w), px_per_m, 1280.0, moving_while_active=moving
    )
    assert 0.0 < start < stop < seconds
    assert [t for t, _ in keys] == sorted(t for t, _ in keys)
    for t in (start, (start + stop) / 2, stop):  # active inside the plot
        assert left - 1e-6 <= path_x(keys, t) <= left + plot_w + 1e-6
