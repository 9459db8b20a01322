"""The run's Pareto front, computed from the stored trials with the configured objectives."""

from __future__ import annotations

import numpy as np

from automl.run.store import TrialRecord
from evaluators import TRAINED
from search import Constraints, non_dominated, objective_values, to_minimization


def pareto_front(
    records: list[TrialRecord], objectives: tuple[str, ...], constraints: Constraints
) -> list[TrialRecord]:
    """Non-dominated trained trials (COMPLETE or PRUNED; feasible ones, if any is), sorted
    by latency."""
    complete = [r for r in records if r.status in TRAINED]
    if not complete:
        return []
    values = np.array([objective_values(r, objectives) for r in complete])
    violation = np.array([constraints.violation(r) for r in complete])
    front = [complete[i] for i in non_dominated(to_minimization(values, objectives), violation)]
    return sorted(front, key=lambda r: (r.latency_ms, -(r.val_accuracy or 0.0)))
