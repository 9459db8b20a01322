"""The engine against fake evaluators: budgets, the generational barrier, slot usage,
duplicates and a spent space."""

from __future__ import annotations

import numpy as np
import pytest

from genomes import Choices, IntRange, SearchSpace
from search import NSGA2, SearchEngine, SearchSettings, StrategyContext, make_strategy
from tests.search.fakes import PROBLEM, SPACE, Recorder, VirtualClockEvaluator


def run_engine(space=SPACE, capacity=3, duration=lambda request: 1.0, past=(), **settings):
    settings = SearchSettings(
        **{"population": 8, "evaluations": 60, "strategy": "nsga2", **settings}
    )
    strategy = make_strategy(StrategyContext(space, PROBLEM, settings))
    evaluator, recorder = VirtualClockEvaluator(capacity, duration), Recorder()
    engine = SearchEngine(strategy, settings, evaluator, recorder, past)
    engine.run()
    return engine, strategy, evaluator, recorder


@pytest.mark.parametrize("mode", ["async", "generational"])
def test_budget_is_spent_exactly_with_one_result_per_trial(mode) -> None:
    _, strategy, evaluator, recorder = run_engine(mode=mode)
    assert sorted(t for t, _ in recorder.started) == list(range(60))
    assert sorted(r.trial_id for r in recorder.finished) == list(range(60))
    assert evaluator.max_in_flight <= 3, "more trials in flight than worker slots"
    assert isinstance(strategy, NSGA2) and len(strategy.population) == 8


def test_every_ask_is_timed() -> None:
    _, _, _, recorder = run_engine(evaluations=12)
    assert all(notes["ask_seconds"] >= 0 for notes in recorder.notes), recorder.notes


def test_async_mode_keeps_every_slot_busy_with_very_different_trial_lengths() -> None:
    lengths = np.random.default_rng(0).lognormal(0.0, 1.5, size=400)
    _, _, evaluator, _ = run_engine(
        evaluations=400, capacity=4, duration=lambda request: lengths[request.trial_id]
    )
    last_start = max(evaluator.starts)
    busy = sum(
        min(start + lengths[i], last_start) - start
        for i, start in enumerate(evaluator.starts)
        if start < last_start
    )
    utilisation = busy / (4 * last_start)
    assert utilisation >= 0.99, f"slot utilisation {utilisation:.3f} before the last start"


@pytest.mark.parametrize("strategy", ["nsga2", "random"])
def test_generational_mode_waits_at_the_barrier(strategy) -> None:
    lengths = {i: 1.0 + (i % 8) for i in range(40)}
    _, _, evaluator, recorder = run_engine(
        evaluations=40,
        mode="generational",
        strategy=strategy,
        capacity=8,
        duration=lambda request: lengths[request.trial_id],
    )
    starts = dict(zip([t for t, _ in recorder.started], evaluator.starts, strict=True))
    for generation in range(1, 5):
        first_of_next = min(starts[t] for t in range(generation * 8, generation * 8 + 8))
        last_end = max(starts[t] + lengths[t] for t in range((generation - 1) * 8, generation * 8))
        assert first_of_next >= last_end, f"generation {generation} started before the barrier"


def test_a_spent_space_stops_the_search_without_training_a_genome_twice() -> None:
    tiny = SearchSpace(
        depth=IntRange(1, 1),
        width=IntRange(4, 6),
        activations=("relu",),
        dropout=(0.0, 0.0),
        optimizers=("adam",),
        lr=(0.01, 0.01),
        weight_decay=(1e-4, 1e-4),
        batch_sizes=Choices((16, 32)),
    )  # 3 widths x 2 batch sizes: 6 networks
    engine, _, _, recorder = run_engine(space=tiny, evaluations=20, capacity=2)
    hashes = [genome.hash() for _, genome in recorder.started]
    assert len(hashes) == len(set(hashes)) == 6, f"{len(hashes)} trials for 6 distinct genomes"
    assert engine.stop_reason and "untried" in engine.stop_reason, engine.stop_reason
