"""Choosing one network from a run's front: by id, the most accurate, the fastest, or the
knee (on the run's trade-off objective: latency, parameters or FLOPs), optionally within a
latency budget. Choices use validation accuracy: the test split only reports."""

from __future__ import annotations

from functools import partial

import numpy as np

from automl.errors import RunDirectoryError
from automl.run.finished import FinishedRun
from automl.run.front import objective_value, trade_off
from automl.run.store import TrialRecord

PICKS = ("knee", "accuracy", "latency")


def pick_member(
    run: FinishedRun,
    trial: int | None = None,
    pick: str | None = None,
    max_latency_ms: float | None = None,
) -> TrialRecord:
    """``trial`` names one trial; otherwise ``pick`` (default ``accuracy``) chooses among the
    front members within ``max_latency_ms``."""
    if trial is not None:
        return run.trial(trial)
    candidates = run.front
    if max_latency_ms is not None:
        candidates = [r for r in run.front if r.latency_ms <= max_latency_ms]
        if not candidates:
            fastest = min(run.front, key=lambda r: r.latency_ms)
            raise RunDirectoryError(
                f"--max-latency-ms {max_latency_ms:g}: no front member is that fast; the "
                f"fastest, trial {fastest.trial_id}, takes {fastest.latency_ms:.4g} ms"
            )
    choose = {
        "knee": partial(knee, objective=trade_off(tuple(run.config.objectives))),
        "accuracy": most_accurate,
        "latency": fastest_member,
    }
    return choose[pick or "accuracy"](candidates)


def most_accurate(front: list[TrialRecord]) -> TrialRecord:
    return max(front, key=lambda r: (r.val_accuracy, -r.latency_ms))


def fastest_member(front: list[TrialRecord]) -> TrialRecord:
    return min(front, key=lambda r: (r.latency_ms, -r.val_accuracy))


def knee(front: list[TrialRecord], objective: str) -> TrialRecord:
    """The member farthest below the line joining the front's two extremes, with error and
    the log of ``objective`` (the run's trade-off) scaled to [0, 1] over the front: where
    more latency (or size) stops buying accuracy. With two members or fewer there is no
    bend; the one nearest the ideal point is taken."""
    error = np.array([1.0 - r.val_accuracy for r in front])
    cost = np.array([objective_value(r, objective) for r in front])
    points = np.column_stack([_unit(error), _unit(np.log(cost))])
    if len(front) <= 2:
        return front[int(np.argmin(np.linalg.norm(points, axis=1)))]
    start, end = points[np.argmin(points[:, 1])], points[np.argmax(points[:, 1])]
    direction = (end - start) / max(float(np.linalg.norm(end - start)), 1e-12)
    offsets = points - start
    distance = offsets[:, 0] * direction[1] - offsets[:, 1] * direction[0]
    return front[int(np.argmin(distance))]


def _unit(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min()
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)
