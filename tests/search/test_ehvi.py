"""Expected hypervolume improvement: the strip formula against pymoo's hypervolume, the closed
form against Monte Carlo, and log-EHVI where the plain value underflows."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.indicators.hv import HV

from search.ehvi import ehvi, improvement, log_ehvi, log_h, strips

REFERENCE = np.array([1.2, 1.1])


def _improvements(points: np.ndarray, front: np.ndarray) -> np.ndarray:
    """``improvement`` of many points at once: the strip sum, broadcast over the points."""
    a, b, level = strips(front, REFERENCE)
    widths = np.clip(b - np.maximum(points[:, :1], a), 0.0, None)
    return np.sum(widths * np.clip(level - points[:, 1:], 0.0, None), axis=1)


def _front(seed: int, n: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 2))


@pytest.mark.parametrize("seed", range(5))
def test_improvement_is_the_hypervolume_a_point_adds(seed: int) -> None:
    front = _front(seed)
    hv = HV(ref_point=REFERENCE)
    for point in np.random.default_rng(100 + seed).random((20, 2)) * 1.3:
        added = hv(np.vstack([front, point])) - hv(front)
        assert improvement(point, front, REFERENCE) == pytest.approx(added, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_closed_form_matches_monte_carlo(seed: int) -> None:
    rng = np.random.default_rng(seed)
    front = _front(seed)
    mean = rng.random((3, 2))
    std = rng.uniform(0.02, 0.3, size=(3, 2))
    closed = ehvi(mean, std, front, REFERENCE)
    hypervolume = HV(ref_point=REFERENCE)
    base = hypervolume(front)
    for k in range(3):
        draws = rng.normal(mean[k], std[k], size=(100_000, 2))
        # the improvement of every draw at once (test_improvement_is_the_hypervolume_a_point_adds
        # checks it against pymoo), and of a few draws through pymoo itself
        sampled = _improvements(draws, front)
        for z, value in zip(draws[:5], sampled[:5], strict=True):
            assert value == pytest.approx(hypervolume(np.vstack([front, z])) - base, abs=1e-12)
        error = 4 * sampled.std() / np.sqrt(len(sampled)) + 1e-9
        assert closed[k] == pytest.approx(sampled.mean(), abs=error), (k, closed, sampled.mean())


def test_log_ehvi_ranks_candidates_far_below_the_front() -> None:
    front = np.array([[0.1, 0.1]])
    mean = np.array([[5.0, 5.0], [7.0, 7.0], [5.0, 6.0]])
    std = np.full((3, 2), 0.01)
    assert np.all(ehvi(mean, std, front, REFERENCE) == 0.0), "expected plain EHVI to underflow"
    scores = log_ehvi(mean, std, front, REFERENCE)
    assert np.all(np.isfinite(scores)), scores
    assert scores[0] > scores[2] > scores[1], f"log EHVI does not rank by dominance: {scores}"


def test_log_h_is_accurate_far_into_the_tail() -> None:
    u = np.array([-1.0, -6.1, -40.0, -1000.0, 0.5, 3.0])
    # references computed with 60-digit arithmetic (mpmath)
    expected = [
        -2.4851210257126413, -23.214640722962002, -808.29856835662, -500014.73445209116,
        -0.3598276837450638, 1.0987396653277077,
    ]  # fmt: skip
    assert log_h(u) == pytest.approx(expected, rel=1e-12)
