"""Hypervolume of a run's trials on normalised objectives, through pymoo.

Every objective becomes a cost in [0, 1]-ish units: accuracy as error (1 - accuracy, reference
1), the others divided by a scale fixed once per run from its first trials (1.1 x their
largest value), with the reference point at 1 for all. The scales are recorded with the run,
so that every point of the hypervolume history uses the same yardstick.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pymoo.indicators.hv import HV

from search.objectives import OBJECTIVES


def costs(values: np.ndarray, objectives: Sequence[str]) -> np.ndarray:
    """Objective values (natural directions) as costs: accuracy -> error, others as they are."""
    values = np.asarray(values, dtype=float).reshape(-1, len(objectives))
    out = values.copy()
    for j, name in enumerate(objectives):
        if OBJECTIVES.get(name).maximize:
            out[:, j] = 1.0 - values[:, j]
    return out


def reference_scales(values: np.ndarray, objectives: Sequence[str]) -> list[float]:
    """Per objective, the cost that maps to the reference point: 1 for accuracy's error,
    1.1 x the largest cost seen in ``values`` for the others."""
    cost = costs(values, objectives)
    return [
        1.0 if OBJECTIVES.get(name).maximize else 1.1 * float(cost[:, j].max())
        for j, name in enumerate(objectives)
    ]


def hypervolume(values: np.ndarray, objectives: Sequence[str], scales: Sequence[float]) -> float:
    """Hypervolume dominated by ``values`` (natural directions) up to the reference point
    (1, ..., 1) after dividing each cost by its scale; 0 for no points."""
    if len(values) == 0:
        return 0.0
    normalised = costs(values, objectives) / np.asarray(scales, dtype=float)
    return float(HV(ref_point=np.ones(len(objectives)))(normalised))
