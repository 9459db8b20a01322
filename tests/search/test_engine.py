"""The search loop against fake evaluators: no training, deterministic metrics, and a
virtual clock for scheduling."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from evaluators import TrialRequest, TrialResult, TrialStatus
from genomes import Genome, IntRange, Problem, SearchSpace, make_toolbox
from search import PastTrial, SearchSettings, make_search

SPACE = SearchSpace(depth=IntRange(1, 3), width=IntRange(4, 64))
PROBLEM = Problem((10,), 3)


def fake_metrics(request: TrialRequest) -> TrialResult:
    """Every seventh trial fails; the others score by size (bigger: more accurate, slower)."""
    if request.trial_id % 7 == 6:
        return TrialResult(request.trial_id, TrialStatus.FAILED, error="injected")
    size = sum(layer.width for layer in request.genome.layers)
    return TrialResult(
        request.trial_id,
        TrialStatus.COMPLETE,
        val_accuracy=1.0 - 1.0 / (1.0 + size) - request.genome.train.lr,
        latency_ms=size / 10.0,
        params=size,
        flops=2 * size,
    )


class VirtualClockEvaluator:
    """Trials take ``duration(request)`` virtual seconds on ``capacity`` slots; results come
    in order of virtual finishing time. Records slot-busy time while trials wait."""

    def __init__(self, capacity: int, duration=lambda request: 1.0) -> None:
        self._capacity = capacity
        self._duration = duration
        self._events: list[tuple[float, int, TrialRequest]] = []
        self.clock = 0.0
        self.max_in_flight = 0
        self.starts: list[float] = []

    @property
    def capacity(self) -> int:
        return self._capacity

    def submit(self, request: TrialRequest) -> None:
        heapq.heappush(
            self._events, (self.clock + self._duration(request), request.trial_id, request)
        )
        self.starts.append(self.clock)
        self.max_in_flight = max(self.max_in_flight, len(self._events))

    def next_result(self, timeout: float | None = None) -> TrialResult:
        finish, _, request = heapq.heappop(self._events)
        self.clock = finish
        return fake_metrics(request)


class Recorder:
    def __init__(self) -> None:
        self.started: list[tuple[int, Genome]] = []
        self.finished: list[TrialResult] = []

    def trial_started(self, trial_id: int, genome: Genome) -> None:
        self.started.append((trial_id, genome))

    def trial_finished(self, result: TrialResult, genome: Genome) -> None:
        self.finished.append(result)


def _run(
    seed: int = 0,
    evaluations: int = 60,
    mode: str = "async",
    strategy: str = "nsga2",
    capacity: int = 3,
    past=(),
    duration=lambda request: 1.0,
):
    toolbox = make_toolbox(SPACE, PROBLEM, (1.0, -1.0))
    evaluator, recorder = VirtualClockEvaluator(capacity, duration), Recorder()
    settings = SearchSettings(
        population=8, evaluations=evaluations, seed=seed, mode=mode, strategy=strategy
    )
    final = make_search(toolbox, settings, evaluator, recorder, past).run()
    return final, evaluator, recorder


@pytest.mark.parametrize(
    "mode, strategy", [("async", "nsga2"), ("generational", "nsga2"), ("async", "random")]
)
def test_budget_is_spent_exactly_with_one_result_per_trial(mode, strategy) -> None:
    final, evaluator, recorder = _run(mode=mode, strategy=strategy)
    assert sorted(t for t, _ in recorder.started) == list(range(60))
    assert sorted(r.trial_id for r in recorder.finished) == list(range(60))
    assert evaluator.max_in_flight <= 3, "more trials in flight than worker slots"
    assert len(final) == 8
    hashes = [genome.hash() for _, genome in recorder.started]
    assert len(hashes) == len(set(hashes)), "a duplicate genome was submitted"


def test_same_seed_gives_the_same_search() -> None:
    for mode in ("async", "generational"):
        first = [g.hash() for _, g in _run(seed=5, mode=mode)[2].started]
        second = [g.hash() for _, g in _run(seed=5, mode=mode)[2].started]
        assert first == second, f"{mode}: same seed, different trials"


def test_async_mode_keeps_every_slot_busy_with_very_different_trial_lengths() -> None:
    lengths = np.random.default_rng(0).lognormal(0.0, 1.5, size=400)
    _, evaluator, recorder = _run(
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


def test_generational_mode_waits_at_the_barrier() -> None:
    lengths = {i: 1.0 + (i % 8) for i in range(40)}
    _, evaluator, recorder = _run(
        evaluations=40,
        mode="generational",
        capacity=8,
        duration=lambda request: lengths[request.trial_id],
    )
    starts = dict(zip([t for t, _ in recorder.started], evaluator.starts, strict=True))
    for generation in range(1, 5):
        first_of_next = min(starts[t] for t in range(generation * 8, generation * 8 + 8))
        last_end = max(starts[t] + lengths[t] for t in range((generation - 1) * 8, generation * 8))
        assert first_of_next >= last_end, f"generation {generation} started before the barrier"


@pytest.mark.parametrize("mode", ["async", "generational"])
def test_resume_replays_finished_trials_and_reruns_unfinished_ones(mode) -> None:
    _, _, full = _run(seed=3, evaluations=40, mode=mode, capacity=1)
    genomes = dict(full.started)
    results = {r.trial_id: r for r in full.finished}
    # a crash after 21 trials: 0-19 finished, 20 was running
    past = [PastTrial(i, genomes[i], results[i]) for i in range(20)]
    past.append(PastTrial(20, genomes[20], None))
    _, _, resumed = _run(seed=3, evaluations=40, mode=mode, capacity=1, past=past)
    assert [t for t, _ in resumed.started] == list(range(20, 40))
    hashes = [g.hash() for g in genomes.values()]
    new = [g.hash() for t, g in resumed.started if t > 20]
    assert not set(new) & set(hashes[:21]), "a finished genome was trained again"
    if mode == "generational":
        assert [g.hash() for _, g in resumed.started] == hashes[20:], (
            "one worker, same seed: the resumed run must continue exactly as the full run"
        )
