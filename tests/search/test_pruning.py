"""MO-ASHA: rung decisions on the search's objectives, checked against oracles, and the online
trust check that keeps a rung from pruning while its accuracy does not rank trials as their
final accuracy does."""

from __future__ import annotations

import heapq
import warnings

import numpy as np
import pytest

from evaluators import EpochReport, TrialRequest, TrialResult, TrialStatus
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

ALWAYS_TRUSTED = {"rule": "asha", "min_pairs": 0, "min_correlation": -1.0}


def _report(trial_id: int, epoch: int, accuracy: float, latency_ms: float = 1.0, params=10):
    return EpochReport(trial_id, epoch, accuracy, latency_ms, params, 2 * params)


def test_rungs_are_geometric() -> None:
    pruner = MOASHAPruner(PruningSettings(min_epochs=1, eta=3))
    assert [e for e in range(1, 30) if pruner.is_rung(e)] == [1, 3, 9, 27]
    pruner = MOASHAPruner(PruningSettings(min_epochs=2, eta=2))
    assert [e for e in range(1, 20) if pruner.is_rung(e)] == [2, 4, 8, 16]


def test_trials_go_on_until_a_rung_can_judge_then_only_the_best_third() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3, **ALWAYS_TRUSTED))
    assert pruner.report(_report(0, 1, 0.50))
    assert pruner.report(_report(1, 1, 0.40)), "two trials are too few to judge"
    assert not pruner.report(_report(2, 1, 0.30)), "worst of three at the rung must stop"
    assert pruner.report(_report(3, 1, 0.90)), "best so far goes on"
    assert not pruner.report(_report(4, 1, 0.45))
    assert pruner.report(_report(3, 2, 0.10)), "epoch 2 is no rung: no judgement"
    assert pruner.pruned == {2, 4}


def test_a_fast_network_survives_a_rung_despite_lower_accuracy() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3, **ALWAYS_TRUSTED))
    pruner.report(_report(0, 1, 0.90, 10.0))
    pruner.report(_report(1, 1, 0.85, 10.0))
    pruner.report(_report(2, 1, 0.80, 9.0))
    # fastest of all, though least accurate: it is on the first front of the rung
    assert pruner.report(_report(3, 1, 0.50, 1.0))
    assert not pruner.report(_report(4, 1, 0.70, 20.0)), "slow and inaccurate: dominated, stops"


def test_the_second_axis_is_the_searchs_objective_not_always_latency() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3, **ALWAYS_TRUSTED), ("accuracy", "params"))
    for i in range(3):
        pruner.report(_report(i, 1, 0.9 - 0.05 * i, latency_ms=1.0, params=1000))
    # slowest by far but the smallest network: on the (accuracy, params) front
    assert pruner.report(_report(3, 1, 0.5, latency_ms=100.0, params=10))


def test_disabled_pruner_never_stops() -> None:
    pruner = MOASHAPruner(PruningSettings(enabled=False))
    assert all(pruner.report(_report(i, 1, 0.01 * i)) for i in range(10))


def _finished(trial_id: int, curve: list[float]) -> TrialResult:
    return TrialResult(
        trial_id,
        TrialStatus.COMPLETE,
        val_accuracy=max(curve),
        latency_ms=1.0,
        params=10,
        flops=20,
        epochs=len(curve),
        curve=tuple(curve),
    )


def test_a_rung_prunes_only_once_it_ranks_trials_as_their_end_does() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3, min_pairs=6, min_correlation=0.7, rule="asha"))
    rng = np.random.default_rng(0)
    for i in range(5):  # five finished trials: too few pairs to trust rung 1
        pruner.record(_finished(i, [0.5 + 0.05 * i, 0.6 + 0.05 * i, 0.7 + 0.05 * i]))
    assert pruner.report(_report(10, 1, 0.10)), "rung 1 pruned before it had 6 pairs"
    pruner.record(_finished(5, [0.8, 0.85, 0.95]))
    health = {h.epoch: h for h in pruner.health()}
    assert health[1].pairs == 6 and health[1].correlation == 1.0 and health[1].active
    assert not pruner.report(_report(11, 1, 0.05)), "a trusted rung lets the worst trial on"

    noisy = MOASHAPruner(PruningSettings(eta=3, min_pairs=6, min_correlation=0.7, rule="asha"))
    for i in range(12):  # rung-1 accuracy unrelated to the final one: a slow learner
        noisy.record(_finished(i, [float(rng.random()), 0.5, 0.5 + 0.03 * i]))
    rung = {h.epoch: h for h in noisy.health()}[1]
    assert rung.pairs == 12 and rung.correlation < 0.7 and not rung.active, rung
    assert noisy.report(_report(20, 1, 0.0)), "an untrusted rung stopped a trial"


def test_a_rung_where_every_trial_scored_the_same_is_untrusted_without_a_warning() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3, min_pairs=3, min_correlation=0.7, rule="asha"))
    for i in range(4):  # every trial at chance on rung 1: ranks say nothing
        pruner.record(_finished(i, [0.1, 0.3 + 0.1 * i, 0.5 + 0.1 * i]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's ConstantInputWarning would reach the user
        rung = {h.epoch: h for h in pruner.health()}[1]
    assert rung.correlation == 0.0 and not rung.active, rung


class EpochClockEvaluator:
    """Fake workers on a virtual clock, one event per epoch: each epoch is reported to the
    pruner the way a real worker reports it, a trial the pruner stops ends PRUNED, and every
    finished trial is recorded with the pruner, as the pools do. Every trial's final accuracy
    is drawn from its seed; all latencies are equal, so at a rung only accuracy decides."""

    def __init__(self, capacity: int, pruner: MOASHAPruner, epochs: int = 27) -> None:
        self._capacity = capacity
        self._pruner = pruner
        self._epochs = epochs
        self._events: list[tuple[float, int, int, float]] = []
        self._curves: dict[int, list[float]] = {}
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
            self._curves.setdefault(trial_id, []).append(accuracy)
            goes_on = self._pruner.report(_report(trial_id, epoch, accuracy))
            self.reports.append((trial_id, epoch, accuracy, goes_on))
            if not goes_on or epoch == self._epochs:
                status = TrialStatus.COMPLETE if goes_on else TrialStatus.PRUNED
                curve = tuple(self._curves[trial_id])
                result = TrialResult(
                    trial_id, status, val_accuracy=accuracy, latency_ms=1.0, params=10,
                    flops=20, epochs=epoch, curve=curve,
                )  # fmt: skip
                self._pruner.record(result)
                return result
            heapq.heappush(self._events, (finish + 1.0, trial_id, epoch + 1, quality))


def _search(pruner: MOASHAPruner, trials: int) -> EpochClockEvaluator:
    evaluator = EpochClockEvaluator(capacity=4, pruner=pruner)
    settings = SearchSettings(population=8, evaluations=trials, seed=1, strategy="nsga2")
    strategy = make_strategy(StrategyContext(SearchSpace(), Problem((8,), 3), settings))
    SearchEngine(strategy, settings, evaluator, Recorder()).run()
    return evaluator


def test_search_with_pruning_stops_exactly_the_trials_outside_the_best_third_at_a_rung() -> None:
    eta, trials, epochs = 3, 60, 27
    pruner = MOASHAPruner(PruningSettings(min_epochs=1, eta=eta, **ALWAYS_TRUSTED))
    evaluator = _search(pruner, trials)
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


def test_trust_costs_a_few_full_trials_and_keeps_most_of_the_savings() -> None:
    trials, epochs = 60, 27
    pruner = MOASHAPruner(PruningSettings(min_epochs=1, eta=3, rule="asha"))  # 6 pairs, 0.7
    evaluator = _search(pruner, trials)
    health = {h.epoch: h for h in pruner.health()}
    assert health[1].active and health[1].correlation >= 0.7, health
    first_stop = min(t for t, _, _, goes_on in evaluator.reports if not goes_on)
    assert first_stop >= 6, f"trial {first_stop} was pruned before any rung had earned trust"
    saved = 1 - evaluator.epochs_trained / (trials * epochs)
    assert saved >= 0.4, f"pruning saved only {saved:.0%} of the epochs"


def test_front_rule_stops_only_a_trial_the_observed_gains_cannot_lift_onto_the_front() -> None:
    pruner = MOASHAPruner(PruningSettings(min_pairs=6))  # the default rule: front
    for i in range(5):  # gains after epoch 1: 0.3 for every trial
        pruner.record(_finished(i, [0.5 + 0.05 * i, 0.8 + 0.05 * i]))
    assert pruner.report(_report(10, 1, 0.01)), "pruned before 6 finished trials had passed"
    pruner.record(_finished(5, [0.6, 0.9]))  # fastest-or-equal best final accuracy: 1.0
    gain = {h.epoch: h for h in pruner.health()}[1].gain
    assert gain == pytest.approx(0.3), gain
    assert not pruner.report(_report(11, 1, 0.6)), "0.6 + 0.3 < 1.0 at the same latency"
    assert pruner.report(_report(12, 1, 0.75)), "0.75 + 0.3 could still join the front"
    assert pruner.report(_report(13, 1, 0.1, latency_ms=0.5)), "faster than every finished trial"
    assert pruner.pruned == {11}


def test_front_rule_regret_on_a_virtual_clock() -> None:
    """Of the trials the front rule stops, few would have joined the final front had they
    trained to the end (their final accuracy is known here)."""
    trials = 60
    pruner = MOASHAPruner(PruningSettings())
    evaluator = _search(pruner, trials)
    final = {}
    for trial_id, epoch, accuracy, _ in evaluator.reports:
        final[trial_id] = accuracy / (1.0 - 0.5**epoch) * (1.0 - 0.5**27)
    assert pruner.pruned, "the front rule stopped nothing"
    best_unpruned = max(v for t, v in final.items() if t not in pruner.pruned)
    regret = sum(final[t] > best_unpruned for t in pruner.pruned) / len(pruner.pruned)
    assert regret <= 0.1, f"{regret:.0%} of the pruned trials would have joined the front"
