"""The asynchronous loop against a fake evaluator: no training, deterministic metrics."""

from __future__ import annotations

from collections import deque

import numpy as np

from evaluators import TrialRequest, TrialResult, TrialStatus
from genomes import Genome, IntRange, Problem, SearchSpace, make_toolbox
from search import AsyncNSGA2, SearchSettings

SPACE = SearchSpace(depth=IntRange(1, 3), width=IntRange(4, 64))
PROBLEM = Problem((10,), 3)


class FakeEvaluator:
    """Completes trials in submission order; every seventh trial fails."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._queue: deque[TrialRequest] = deque()
        self.max_in_flight = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def submit(self, request: TrialRequest) -> None:
        self._queue.append(request)
        self.max_in_flight = max(self.max_in_flight, len(self._queue))

    def next_result(self, timeout: float | None = None) -> TrialResult:
        request = self._queue.popleft()
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


class Recorder:
    def __init__(self) -> None:
        self.started: list[tuple[int, Genome]] = []
        self.finished: list[TrialResult] = []

    def trial_started(self, trial_id: int, genome: Genome) -> None:
        self.started.append((trial_id, genome))

    def trial_finished(self, result: TrialResult, genome: Genome) -> None:
        self.finished.append(result)


def _run(seed: int, evaluations: int = 60, population: int = 8):
    rng = np.random.default_rng(seed)
    toolbox = make_toolbox(SPACE, PROBLEM, rng, (1.0, -1.0))
    evaluator, recorder = FakeEvaluator(capacity=3), Recorder()
    settings = SearchSettings(population=population, evaluations=evaluations, seed=seed)
    final = AsyncNSGA2(toolbox, settings, rng, evaluator, recorder).run()
    return final, evaluator, recorder


def test_budget_is_spent_exactly_with_one_result_per_trial() -> None:
    final, evaluator, recorder = _run(0)
    assert [t for t, _ in recorder.started] == list(range(60))
    assert sorted(r.trial_id for r in recorder.finished) == list(range(60))
    assert evaluator.max_in_flight <= 3, "more trials in flight than worker slots"
    assert len(final) == 8
    assert any(r.status is TrialStatus.FAILED for r in recorder.finished)


def test_no_genome_is_trained_twice() -> None:
    _, _, recorder = _run(1, evaluations=120)
    hashes = [genome.hash() for _, genome in recorder.started]
    assert len(hashes) == len(set(hashes)), "a duplicate genome was submitted"


def test_same_seed_gives_the_same_search() -> None:
    first = [g.hash() for _, g in _run(5)[2].started]
    second = [g.hash() for _, g in _run(5)[2].started]
    assert first == second
