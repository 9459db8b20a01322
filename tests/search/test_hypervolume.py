"""Hypervolume against closed-form fronts."""

from __future__ import annotations

import numpy as np
import pytest

from search import hypervolume, reference_scales


def test_single_point_is_a_rectangle() -> None:
    # accuracy 0.9 -> error 0.1; latency 2 of scale 4 -> 0.5: (1 - 0.1) * (1 - 0.5)
    assert hypervolume(np.array([[0.9, 2.0]]), ["accuracy", "latency"], [1.0, 4.0]) == (
        pytest.approx(0.45)
    )


def test_staircase_front_matches_the_sum_of_rectangles() -> None:
    points = np.array([[0.5, 1.0], [0.8, 2.0], [0.9, 3.0]])
    # costs (0.5, .25), (0.2, .5), (0.1, .75) with scale 4 on latency; add slabs by latency
    expected = 0.5 * 0.25 + 0.8 * 0.25 + 0.9 * 0.25
    assert hypervolume(points, ["accuracy", "latency"], [1.0, 4.0]) == pytest.approx(expected)


def test_dominated_and_out_of_range_points_add_nothing() -> None:
    base = np.array([[0.9, 1.0]])
    extra = np.array([[0.8, 2.0], [0.95, 10.0]])
    scales = [1.0, 4.0]
    assert hypervolume(np.vstack([base, extra]), ["accuracy", "latency"], scales) == (
        pytest.approx(hypervolume(base, ["accuracy", "latency"], scales))
    )
    assert hypervolume(np.empty((0, 2)), ["accuracy", "latency"], scales) == 0.0


def test_reference_scales_are_fixed_from_the_worst_cost() -> None:
    values = np.array([[0.9, 1.0, 100], [0.5, 3.0, 50]])
    assert reference_scales(values, ["accuracy", "latency", "params"]) == pytest.approx(
        [1.0, 3.3, 110.0]
    )
