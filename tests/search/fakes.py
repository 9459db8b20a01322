"""Fake evaluators for search tests: no training, metrics computed from the genome, and a
virtual clock so that scheduling is exact and nothing waits."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping

from evaluators import TrialRequest, TrialResult, TrialStatus
from genomes import Genome, IntRange, Problem, SearchSpace

SPACE = SearchSpace(depth=IntRange(1, 3), width=IntRange(4, 64))
PROBLEM = Problem((10,), 3)


def size_metrics(request: TrialRequest) -> TrialResult:
    """Every seventh trial fails and every fifth is pruned; the others score by size (bigger:
    more accurate, slower), less a penalty for a high learning rate."""
    if request.trial_id % 7 == 6:
        return TrialResult(request.trial_id, TrialStatus.FAILED, error="injected")
    size = sum(layer.width for layer in request.genome.layers)
    status = TrialStatus.PRUNED if request.trial_id % 5 == 4 else TrialStatus.COMPLETE
    return TrialResult(
        request.trial_id,
        status,
        val_accuracy=1.0 - 1.0 / (1.0 + size) - request.genome.train.lr,
        latency_ms=size / 10.0,
        params=size,
        flops=2 * size,
        epochs=1 if status is TrialStatus.PRUNED else 3,
    )


class VirtualClockEvaluator:
    """Trials take ``duration(request)`` virtual seconds on ``capacity`` slots; results come
    in order of virtual finishing time."""

    def __init__(
        self,
        capacity: int,
        duration: Callable[[TrialRequest], float] = lambda request: 1.0,
        metrics: Callable[[TrialRequest], TrialResult] = size_metrics,
    ) -> None:
        self._capacity = capacity
        self._duration = duration
        self._metrics = metrics
        self._events: list[tuple[float, int, TrialRequest]] = []
        self.clock = 0.0
        self.max_in_flight = 0
        self.starts: list[float] = []

    @property
    def capacity(self) -> int:
        return self._capacity

    def submit(self, request: TrialRequest) -> None:
        finish = self.clock + self._duration(request)
        heapq.heappush(self._events, (finish, request.trial_id, request))
        self.starts.append(self.clock)
        self.max_in_flight = max(self.max_in_flight, len(self._events))

    def next_result(self, timeout: float | None = None) -> TrialResult:
        finish, _, request = heapq.heappop(self._events)
        self.clock = finish
        return self._metrics(request)


class Recorder:
    """An observer that keeps what it is told."""

    def __init__(self) -> None:
        self.started: list[tuple[int, Genome]] = []
        self.notes: list[Mapping[str, float]] = []
        self.finished: list[TrialResult] = []
        self.genomes: dict[int, Genome] = {}

    def trial_started(self, trial_id: int, genome: Genome, notes: Mapping[str, float]) -> None:
        self.started.append((trial_id, genome))
        self.notes.append(dict(notes))
        self.genomes[trial_id] = genome

    def trial_finished(self, result: TrialResult, genome: Genome) -> None:
        self.finished.append(result)
