from __future__ import annotations

import heapq

import numpy as np

from evaluators import TrialRequest, TrialResult, TrialStatus
from genomes import Problem, SearchSpace
from search import (
    MOASHAPruner,
    PruningSettings,
    SearchEngine,
    SearchSettings,
    StrategyContext,
    make_strategy,
)
from tests.search.fakes import Recorder


def test_rungs_are_geometric() -> None:
    pruner = MOASHAPruner(PruningSettings(min_epochs=1, eta=3))
    assert [e for e in range(1, 30) if pruner.is_rung(e)] == [1, 3, 9, 27]
    pruner = MOASHAPruner(PruningSettings(min_epochs=2, eta=2))
    assert [e for e in range(1, 20) if pruner.is_rung(e)] == [2, 4, 8, 16]


def test_trials_go_on_until_a_rung_can_judge_then_only_the_best_third() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3))
    # same latency: accuracy decides
    assert pruner.report(0, 1, 0.50, 1.0)
    assert pruner.report(1, 1, 0.40, 1.0), "two trials are too few to judge"
    assert not pruner.report(2, 1, 0.30, 1.0), "worst of three at the rung must stop"
    assert pruner.report(3, 1, 0.90, 1.0), "best so far goes on"
    assert not pruner.report(4, 1, 0.45, 1.0)
    assert pruner.report(3, 2, 0.10, 1.0), "epoch 2 is no rung: no judgement"
    assert pruner.pruned == {2, 4}


def test_a_fast_network_survives_a_rung_despite_lower_accuracy() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3))
    pruner.report(0, 1, 0.90, 10.0)
    pruner.report(1, 1, 0.85, 10.0)
    pruner.report(2, 1, 0.80, 9.0)
    # fastest of all, though least accurate: it is on the first front of the rung
    assert pruner.report(3, 1, 0.50, 1.0)
    assert not pruner.report(4, 1, 0.70, 20.0), "slow and inaccurate: dominated, stops"


def test_disabled_pruner_never_stops() -> None:
    pruner = MOASHAPruner(PruningSettings(enabled=False))
    assert all(pruner.report(i, 1, 0.01 * i, 1.0) for i in range(10))


class EpochClockEvaluator:
    """Fake workers on a virtual clock, one event per epoch: each epoch is reported to the
    pruner the way a real worker reports it, and a trial the pruner stops ends PRUNED.
    Every trial's final accuracy is drawn from its seed; all latencies are equal, so at a
    rung only accuracy decides."""

    def __init__(self, capacity: int, report, epochs: int = 27) -> None:
        self._capacity = capacity
        self._report = report
        self._epochs = epochs
        self._events: list[tuple[float, int, int, float]] = []
        self._clock = 0.0
        self.reports: list[tuple[int, int, float, bool]] = []
        self.epochs_trained = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def submit(self, request: TrialRequest) -> None:
        quality = float(np.random.default_rng(request.seed).uniform(0.5, 1.0))
        duration = 1.0 + request.trial_id % 5
        heapq.heappush(self._events, (self._clock + duration, request.trial_id, 1, quality))

    def next_result(self, timeout: float | None = None) -> TrialResult | None:
        while True:
            finish, trial_id, epoch, quality = heapq.heappop(self._events)
            self._clock = finish
            self.epochs_trained += 1
            accuracy = quality * (1.0 - 0.5**epoch)
            goes_on = self._report(trial_id, epoch, accuracy, 1.0)
            self.reports.append((trial_id, epoch, accuracy, goes_on))
            if not goes_on or epoch == self._epochs:
                status = TrialStatus.COMPLETE if goes_on else TrialStatus.PRUNED
                return TrialResult(
                    trial_id, status, val_accuracy=accuracy, latency_ms=1.0, epochs=epoch
                )
            heapq.heappush(self._events, (finish + 1.0, trial_id, epoch + 1, quality))


def test_search_with_pruning_stops_exactly_the_trials_outside_the_best_third_at_a_rung() -> None:
    eta, trials, epochs = 3, 60, 27
    pruner = MOASHAPruner(PruningSettings(min_epochs=1, eta=eta))
    evaluator = EpochClockEvaluator(capacity=4, report=pruner.report, epochs=epochs)
    settings = SearchSettings(population=8, evaluations=trials, seed=1)
    strategy = make_strategy(StrategyContext(SearchSpace(), Problem((8,), 3), settings))
    SearchEngine(strategy, settings, evaluator, Recorder()).run()

    at_rung: dict[int, list[float]] = {}
    stopped = set()
    for trial_id, epoch, accuracy, goes_on in evaluator.reports:
        if epoch not in (1, 3, 9, 27):
            assert goes_on, f"trial {trial_id} stopped at epoch {epoch}, which is no rung"
            continue
        at_rung.setdefault(epoch, []).append(accuracy)
        seen = at_rung[epoch]
        in_best_third = sorted(seen, reverse=True).index(accuracy) < -(-len(seen) // eta)
        should_go_on = len(seen) < eta or in_best_third
        assert goes_on == should_go_on, (
            f"trial {trial_id} at rung {epoch}: accuracy {accuracy:.3f} ranks "
            f"{sorted(seen, reverse=True).index(accuracy) + 1} of {len(seen)}, "
            f"pruner said {'go on' if goes_on else 'stop'}"
        )
        if not goes_on:
            stopped.add(trial_id)
    assert stopped == pruner.pruned
    assert len(stopped) >= trials // 2, f"only {len(stopped)} of {trials} trials were pruned"
    saved = 1 - evaluator.epochs_trained / (trials * epochs)
    assert saved >= 0.5, f"pruning saved only {saved:.0%} of the epochs"
