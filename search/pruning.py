"""Multi-objective pruning at geometric rungs, learned from the learning curves the run sees.

Rungs sit at epochs ``min_epochs * eta**k`` (1, 3, 9, 27 for eta 3). Every finished trial that
went on past a rung gives a pair (accuracy at the rung, final accuracy); a rung decides
nothing until ``min_pairs`` such pairs exist. Then, by ``rule``:

- ``front`` (the default): a trial stops when even the gain that ``gain_quantile`` (90%) of
  the finished trials made after this rung would leave it dominated by a finished trial (one
  at least as good on every other objective, which are known before training). It prunes
  only what cannot join the front, so the rung's accuracy need not rank trials well: on data
  that learn slowly the gains are large and little is pruned.
- ``asha``: multi-objective asynchronous successive halving (MO-ASHA, which Optuna still
  lacks): a trial goes on only if it is in the best ``1 / eta`` of the trials that reached the
  rung, by non-dominated sorting and crowding on the search's objectives; a rung whose
  accuracy ranks trials unlike their final accuracy (Spearman below ``min_correlation``) lets
  every trial through, so pruning moves to later rungs by itself.

Each rung's correlation and gain are kept for the report (``health``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from evaluators import EpochReport, TrialResult, TrialStatus
from search.nsga2 import rank_population
from search.objectives import objective_values, to_minimization


@dataclass(frozen=True, slots=True)
class PruningSettings:
    enabled: bool = True
    min_epochs: int = 1
    eta: int = 3
    min_correlation: float = 0.7
    """A rung whose rank correlation with final accuracy is below this prunes nothing."""
    min_pairs: int = 6
    """Finished trials past a rung before its correlation is trusted."""
    rule: str = "front"
    """``asha``: a trial goes on when it is in the best ``1 / eta`` at the rung; ``front``: a
    trial stops when even the gain that 90% of finished trials made after this rung would
    leave it dominated by a finished trial."""
    gain_quantile: float = 0.9


@dataclass(frozen=True, slots=True)
class RungHealth:
    """What a rung has shown so far: how many finished trials passed it, the Spearman
    correlation of their rung accuracy with their final accuracy and the gain in accuracy
    that ``gain_quantile`` of them made after it (both None below 3 pairs), and whether it
    prunes now."""

    epoch: int
    pairs: int
    correlation: float | None
    gain: float | None
    active: bool


class MOASHAPruner:
    """Decides, epoch by epoch, whether a trial goes on (``report``), and learns from every
    finished trial (``record``). Both are what a worker pool calls."""

    def __init__(
        self, settings: PruningSettings, objectives: tuple[str, ...] = ("accuracy", "latency")
    ) -> None:
        self._settings = settings
        self._objectives = objectives
        self._rungs: dict[int, dict[int, np.ndarray]] = {}
        self._pairs: dict[int, dict[int, tuple[float, float]]] = {}
        self._finished: dict[int, tuple[float, np.ndarray]] = {}
        self.pruned: set[int] = set()

    def is_rung(self, epoch: int) -> bool:
        ratio = epoch / self._settings.min_epochs
        if ratio < 1 or ratio != int(ratio):
            return False
        level = math.log(ratio, self._settings.eta)
        return abs(level - round(level)) < 1e-9

    def _costs(self, measured: EpochReport | TrialResult, accuracy: float) -> np.ndarray:
        report = EpochReport(
            -1,
            0,
            accuracy,
            measured.latency_ms,
            measured.params,
            measured.flops,
            measured.weight_bytes,
        )
        values = objective_values(report, self._objectives)
        return to_minimization(np.array(values), self._objectives)

    def record(self, result: TrialResult) -> None:
        """A finished trial (of this session, or replayed on resume): its epochs at the rungs
        join them (so later trials are judged against it), and where it went past a rung and
        completed, its pair feeds that rung's correlation."""
        if not result.status.trained or result.latency_ms is None:
            return
        final = max(result.curve, default=result.val_accuracy or 0.0)
        self._finished[result.trial_id] = (final, self._costs(result, final)[1:])
        for epoch, accuracy in enumerate(result.curve, start=1):
            if not self.is_rung(epoch):
                continue
            self._rungs.setdefault(epoch, {})[result.trial_id] = self._costs(result, accuracy)
            if result.status is TrialStatus.COMPLETE and len(result.curve) > epoch:
                self._pairs.setdefault(epoch, {})[result.trial_id] = (accuracy, final)

    def health(self) -> list[RungHealth]:
        """Every rung reached so far, earliest first."""
        return [self._health(epoch) for epoch in sorted(self._rungs)]

    def _health(self, epoch: int) -> RungHealth:
        pairs = list(self._pairs.get(epoch, {}).values())
        correlation = gain = None
        if len(pairs) >= 3:
            at_rung, finals = zip(*pairs, strict=True)
            constant = len(set(at_rung)) == 1 or len(set(finals)) == 1  # no rank to correlate
            rho = 0.0 if constant else spearmanr(at_rung, finals).statistic
            correlation = float(rho) if np.isfinite(rho) else 0.0
            gains = [final - at for at, final in pairs]
            gain = float(np.quantile(gains, self._settings.gain_quantile))
        enough = len(pairs) >= self._settings.min_pairs
        if self._settings.rule == "front":
            return RungHealth(epoch, len(pairs), correlation, gain, enough)
        trusted = correlation is None or correlation >= self._settings.min_correlation
        return RungHealth(epoch, len(pairs), correlation, gain, enough and trusted)

    def _may_join_front(self, report: EpochReport) -> bool:
        health = self._health(report.epoch)
        if not health.active:
            return True
        others = self._costs(report, report.val_accuracy)[1:]
        needed = max(
            (final for final, costs in self._finished.values() if np.all(costs <= others)),
            default=0.0,
        )
        goes_on = report.val_accuracy + (health.gain or 0.0) >= needed
        if not goes_on:
            self.pruned.add(report.trial_id)
        return goes_on

    def report(self, report: EpochReport) -> bool:
        """Record the trial at this epoch's rung (if any); False means: stop it now."""
        if not self._settings.enabled or not self.is_rung(report.epoch):
            return True
        rung = self._rungs.setdefault(report.epoch, {})
        rung[report.trial_id] = self._costs(report, report.val_accuracy)
        if self._settings.rule == "front":
            return self._may_join_front(report)
        if len(rung) < self._settings.eta or not self._health(report.epoch).active:
            return True
        ids = list(rung)
        ranking = rank_population(np.array([rung[i] for i in ids]))
        order = sorted(range(len(ids)), key=lambda k: (ranking.rank[k], -ranking.crowding[k]))
        keep = math.ceil(len(ids) / self._settings.eta)
        goes_on = ids.index(report.trial_id) in order[:keep]
        if not goes_on:
            self.pruned.add(report.trial_id)
        return goes_on
