"""Multi-objective asynchronous successive halving (MO-ASHA), which Optuna still lacks.

Rungs sit at geometric epochs (``min_epochs * eta**k``: 1, 3, 9, 27 for eta 3). When a trial
reaches a rung it is compared with every trial that reached that rung before it, by
non-dominated sorting and crowding on (accuracy at the rung, latency); it goes on only if it
is in the best ``1 / eta`` of them. While a rung holds fewer than ``eta`` trials there is too
little to judge and every trial goes on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from search.nsga2 import rank_population


@dataclass(frozen=True, slots=True)
class PruningSettings:
    enabled: bool = True
    min_epochs: int = 1
    eta: int = 3


class MOASHAPruner:
    """Decides, epoch by epoch, whether a trial goes on. ``report`` is what workers call."""

    def __init__(self, settings: PruningSettings) -> None:
        self._settings = settings
        self._rungs: dict[int, dict[int, tuple[float, float]]] = {}
        self.pruned: set[int] = set()

    def is_rung(self, epoch: int) -> bool:
        ratio = epoch / self._settings.min_epochs
        if ratio < 1 or ratio != int(ratio):
            return False
        level = math.log(ratio, self._settings.eta)
        return abs(level - round(level)) < 1e-9

    def replay(self, trial_id: int, curve: tuple[float, ...], latency_ms: float) -> None:
        """Put a finished trial of an earlier session back on the rungs it reached."""
        for epoch, accuracy in enumerate(curve, start=1):
            if self.is_rung(epoch):
                self._rungs.setdefault(epoch, {})[trial_id] = (accuracy, latency_ms)

    def report(self, trial_id: int, epoch: int, accuracy: float, latency_ms: float) -> bool:
        """Record the trial at this epoch's rung (if any); False means: stop it now."""
        if not self._settings.enabled or not self.is_rung(epoch):
            return True
        rung = self._rungs.setdefault(epoch, {})
        rung[trial_id] = (accuracy, latency_ms)
        if len(rung) < self._settings.eta:
            return True
        ids = list(rung)
        objectives = np.array([[-rung[i][0], rung[i][1]] for i in ids])
        ranking = rank_population(objectives)
        order = sorted(range(len(ids)), key=lambda k: (ranking.rank[k], -ranking.crowding[k]))
        keep = math.ceil(len(ids) / self._settings.eta)
        goes_on = ids.index(trial_id) in order[:keep]
        if not goes_on:
            self.pruned.add(trial_id)
        return goes_on
