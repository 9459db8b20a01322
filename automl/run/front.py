"""The run's Pareto front with the configured objectives: computed from the stored trials, or
kept up to date one result at a time while a search runs."""

from __future__ import annotations

import math

import numpy as np

from automl.config import Config
from automl.run.store import TrialRecord
from evaluators import TRAINED
from search import Constraints, Measured, non_dominated, objective_values, to_minimization

DEFAULT_OBJECTIVES: tuple[str, ...] = tuple(Config.model_fields["objectives"].default)
AXIS_LABELS = {
    "latency": "latency per call (ms)",
    "params": "parameters",
    "flops": "FLOPs",
    "size": "exported weights (bytes)",
}
"""How figures name each objective that accuracy is traded against, unit included."""


def trade_off(objectives: tuple[str, ...]) -> str:
    """The objective accuracy is traded against: the first that is not accuracy (a config
    names at least two distinct objectives). Fronts are ordered by it, the knee is taken on
    it, and figures put it on their x axis."""
    return next(name for name in objectives if name != "accuracy")


def objective_value(record: Measured, name: str) -> float:
    return objective_values(record, (name,))[0]


def pareto_front(
    records: list[TrialRecord], objectives: tuple[str, ...], constraints: Constraints
) -> list[TrialRecord]:
    """Non-dominated trained trials (COMPLETE or PRUNED; feasible ones, if any is), sorted
    by the trade-off objective, the more accurate first on a tie."""
    complete = [r for r in records if r.status in TRAINED]
    if not complete:
        return []
    values = np.array([objective_values(r, objectives) for r in complete])
    violation = np.array([constraints.violation(r) for r in complete])
    front = [complete[i] for i in non_dominated(to_minimization(values, objectives), violation)]
    axis = trade_off(objectives)
    return sorted(front, key=lambda r: (objective_value(r, axis), -(r.val_accuracy or 0.0)))


class FrontTracker:
    """The front as ``pareto_front`` defines it, updated per trained trial instead of being
    recomputed from every trial: the feasible non-dominated points (their hypervolume is that
    of all feasible trials), or, while no trial is feasible, the count of those with the least
    violation."""

    def __init__(self, objectives: tuple[str, ...], constraints: Constraints) -> None:
        self._objectives = objectives
        self._constraints = constraints
        self._values = np.empty((0, len(objectives)))
        """Feasible front members' objective values, natural directions."""
        self._least_violation = math.inf
        self._least_violating = 0

    @property
    def size(self) -> int:
        return len(self._values) or self._least_violating

    @property
    def feasible_values(self) -> np.ndarray:
        """Objective values (natural directions) of the feasible front, one row per member."""
        return self._values

    def add(self, result: Measured) -> bool:
        """Take one trained trial into account; True when the feasible front changed."""
        violation = self._constraints.violation(result)
        if violation > 0:
            if violation < self._least_violation:
                self._least_violation, self._least_violating = violation, 0
            if violation == self._least_violation:
                self._least_violating += 1
            return False
        point = np.array(objective_values(result, self._objectives))
        front = to_minimization(self._values, self._objectives)
        new = to_minimization(point, self._objectives)
        if np.any(np.all(front <= new, axis=1) & np.any(front < new, axis=1)):
            return False
        beaten = np.all(new <= front, axis=1) & np.any(new < front, axis=1)
        self._values = np.vstack([self._values[~beaten], point])
        return True
