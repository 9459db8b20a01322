"""The guided strategy on the synthetic problem (no training): it beats random search and
plain NSGA-II at 64 evaluations, its latency model learns the per-operator costs, and a warm
start from an earlier run gets back to that run's hypervolume in a quarter of the budget."""

from __future__ import annotations

import statistics

import numpy as np
from scipy.stats import spearmanr

from evaluators import TrialResult
from search import (
    SYNTHETIC_PROBLEM,
    SYNTHETIC_SPACE,
    SearchEngine,
    SearchSettings,
    StrategyContext,
    make_strategy,
    synthetic_hypervolume,
    synthetic_trial,
)
from tests.search.fakes import Recorder, VirtualClockEvaluator

SEEDS = range(5)


def _search(strategy: str, seed: int, evaluations: int = 64, warm=(), **more) -> Recorder:
    settings = SearchSettings(
        population=16, evaluations=evaluations, seed=seed, strategy=strategy, **more
    )
    chosen = make_strategy(StrategyContext(SYNTHETIC_SPACE, SYNTHETIC_PROBLEM, settings, warm))
    recorder = Recorder()
    SearchEngine(
        chosen, settings, VirtualClockEvaluator(2, metrics=synthetic_trial), recorder
    ).run()
    return recorder


def _hypervolume_after(results: list[TrialResult], k: int) -> float:
    return synthetic_hypervolume(results[:k])


def _predicted_and_measured(recorder: Recorder, field: str) -> list[tuple[float, float]]:
    """(prediction noted at the ask, measured value) of every trial that had a prediction."""
    measured = {r.trial_id: getattr(r, field) for r in recorder.finished}
    return [
        (notes[f"predicted_{field}"], measured[trial_id])
        for (trial_id, _), notes in zip(recorder.started, recorder.notes, strict=True)
        if f"predicted_{field}" in notes
    ]


def test_guided_beats_random_and_nsga2_at_64_evaluations() -> None:
    final = {
        name: [synthetic_hypervolume(_search(name, seed).finished) for seed in SEEDS]
        for name in ("guided", "nsga2", "random")
    }
    medians = {name: statistics.median(values) for name, values in final.items()}
    assert medians["guided"] > medians["nsga2"], final
    assert medians["guided"] > medians["random"], final


def test_latency_predictions_rank_like_the_measured_latencies() -> None:
    recorder = _search("guided", seed=0)
    pairs = _predicted_and_measured(recorder, "latency_ms")
    assert len(pairs) >= 50, f"only {len(pairs)} of 64 trials have a latency prediction"
    rho = spearmanr(*zip(*pairs, strict=True)).statistic
    assert rho >= 0.9, f"predicted vs measured latency: Spearman {rho:.3f}"


def test_warm_start_reaches_the_earlier_runs_hypervolume_in_a_quarter_of_its_budget() -> None:
    first = _search("guided", seed=1)
    genomes = dict(first.started)
    warm = tuple((genomes[r.trial_id], r) for r in first.finished)
    target = synthetic_hypervolume(first.finished)
    second = _search("guided", seed=2, warm=warm)
    reached = next(
        (k for k in range(1, 65) if _hypervolume_after(second.finished, k) >= target), None
    )
    assert reached is not None and reached <= 16, (
        f"the warm-started run reached {target:.4f} after {reached} evaluations"
    )


def test_every_ask_after_the_startup_is_screened_or_marked_explored() -> None:
    recorder = _search("guided", seed=3)
    late = recorder.notes[12:]
    explored = sum("explored" in notes for notes in late)
    screened = sum("log_ehvi" in notes for notes in late)
    assert explored + screened == len(late), late
    assert 0.05 <= explored / len(late) <= 0.4, f"{explored} of {len(late)} asks explored"
    assert np.all([notes["candidates"] >= 32 for notes in late if "log_ehvi" in notes])


def test_with_parameters_as_the_other_objective_the_predictions_are_exact() -> None:
    recorder = _search("guided", seed=4, evaluations=30, objectives=("accuracy", "params"))
    predicted = _predicted_and_measured(recorder, "params")
    assert len(predicted) >= 15, f"{len(predicted)} trials have a parameter prediction"
    assert all(p == m for p, m in predicted), "parameters are known before training"
