"""The search engine: asks a strategy for genomes, keeps the workers busy, tells the strategy
every result. It owns what every strategy shares: budgets (evaluations, wall time), the
generational barrier, duplicates, and resuming from past trials by replaying ``tell``."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from evaluators import TrialRequest, TrialResult, trial_seed
from genomes import Genome, sample_genome
from search.settings import SearchSettings
from search.strategies.base import Strategy

STRATEGY_RETRIES = 20
"""Asks for one trial before the engine gives up on the strategy's duplicates."""
SAMPLE_RETRIES = 1000
"""Random samples tried after that; when all are duplicates the space is spent."""
_WAKE_SECONDS = 0.5


class Evaluator(Protocol):
    """What the engine needs of a worker pool (``evaluators.LocalPool`` is one)."""

    @property
    def capacity(self) -> int: ...

    def submit(self, request: TrialRequest) -> None: ...

    def next_result(self, timeout: float | None = None) -> TrialResult | None: ...


class SearchObserver(Protocol):
    """Told of every submission and result, e.g. to persist trials and show progress."""

    def trial_started(self, trial_id: int, genome: Genome, notes: Mapping[str, float]) -> None:
        """``notes``: ``ask_seconds`` and what the strategy said of its choice."""

    def trial_finished(self, result: TrialResult, genome: Genome) -> None: ...


@dataclass(frozen=True, slots=True)
class PastTrial:
    """A trial of an earlier session, from the store: finished (``result``) or not (None),
    in which case it is submitted again under the same id."""

    trial_id: int
    genome: Genome
    result: TrialResult | None


class SearchEngine:
    """``run`` replays past trials into the strategy, re-submits unfinished ones, then keeps
    the workers busy until the budget is spent. Randomness for trial ``i`` comes from
    ``np.random.default_rng([seed, i])``, so a resumed run rebuilds it from the trial ids."""

    def __init__(
        self,
        strategy: Strategy,
        settings: SearchSettings,
        evaluator: Evaluator,
        observer: SearchObserver,
        past: Sequence[PastTrial] = (),
    ) -> None:
        self._strategy = strategy
        self._settings = settings
        self._evaluator = evaluator
        self._observer = observer
        self._past = list(past)
        self._in_flight: dict[int, Genome] = {}
        self._seen: set[str] = {trial.genome.hash() for trial in self._past}
        self._next_id = 1 + max((trial.trial_id for trial in self._past), default=-1)
        self._deadline: float | None = None
        self._stopping = False
        self._prepared: tuple[Genome, dict[str, float]] | None = None
        self.stop_reason: str | None = None
        """Why the search stopped before its budget, if it did (e.g. the space is spent)."""

    def stop(self) -> None:
        """Submit nothing more; ``run`` returns once the running trials finish."""
        self._stopping = True

    def run(self) -> None:
        """Spend the budget."""
        if self._settings.max_seconds is not None:
            self._deadline = time.monotonic() + self._settings.max_seconds
        for trial in self._past:
            if trial.result is not None:
                self._strategy.tell(trial.trial_id, trial.genome, trial.result)
        for trial in self._past:
            if trial.result is None:
                self._submit(trial.trial_id, trial.genome, {})
        self._fill()
        while self._in_flight:
            self._ask_ahead()
            result = self._evaluator.next_result(timeout=_WAKE_SECONDS)
            if result is not None:
                genome = self._in_flight.pop(result.trial_id)
                self._observer.trial_finished(result, genome)
                self._strategy.tell(result.trial_id, genome, result)
            self._fill()
        self._prepared = None

    def rng_for(self, trial_id: int) -> np.random.Generator:
        return np.random.default_rng([self._settings.seed, trial_id])

    def _budget_left(self) -> bool:
        out_of_time = self._deadline is not None and time.monotonic() >= self._deadline
        return not self._stopping and not out_of_time and self._next_id < self._settings.evaluations

    def _may_submit(self) -> bool:
        """Generational mode: the trials of generation g+1 wait until all of g are told."""
        if self._settings.mode != "generational":
            return True
        return self._next_id % self._settings.population != 0 or not self._in_flight

    def _ask_ahead(self) -> None:
        """Async mode with several workers: choose the next trial while every worker trains,
        so a freed worker starts at once (the choice misses only the result that frees it).
        One worker, or generational mode, asks after each result: those runs repeat exactly,
        and a resumed one asks what an uninterrupted one asks."""
        ahead = self._settings.mode == "async" and self._evaluator.capacity > 1
        if ahead and self._prepared is None and self._budget_left():
            self._prepared = self._ask(self._next_id)

    def _ask(self, trial_id: int) -> tuple[Genome, dict[str, float]] | None:
        """The strategy's answer for ``trial_id`` with its notes; None when the space is
        spent (the search then stops)."""
        started = time.perf_counter()
        genome = self._unseen(trial_id, self.rng_for(trial_id))
        if genome is None:
            self.stop_reason = (
                f"every genome tried for trial {trial_id} was trained before: the space "
                "holds (almost) no untried network; widen it or lower the budget"
            )
            self._stopping = True
            return None
        self._seen.add(genome.hash())
        return genome, {"ask_seconds": time.perf_counter() - started, **self._strategy.notes()}

    def _fill(self) -> None:
        while (
            len(self._in_flight) < self._evaluator.capacity
            and self._budget_left()
            and self._may_submit()
        ):
            trial_id = self._next_id
            asked, self._prepared = self._prepared or self._ask(trial_id), None
            if asked is None:
                return
            self._next_id += 1
            self._submit(trial_id, *asked)

    def _unseen(self, trial_id: int, rng: np.random.Generator) -> Genome | None:
        """A genome never submitted before: the strategy's, else a random sample, else None.
        A genome (same hash) is never trained twice."""
        for _ in range(STRATEGY_RETRIES):
            genome = self._strategy.ask(trial_id, rng)
            if genome.hash() not in self._seen:
                return genome
        context = self._strategy.context
        for _ in range(SAMPLE_RETRIES):
            genome = sample_genome(context.space, context.problem, rng)
            if genome.hash() not in self._seen:
                return genome
        return None

    def _submit(self, trial_id: int, genome: Genome, notes: Mapping[str, float]) -> None:
        self._seen.add(genome.hash())
        self._in_flight[trial_id] = genome
        self._observer.trial_started(trial_id, genome, notes)
        seed = trial_seed(self._settings.seed, trial_id)
        self._evaluator.submit(TrialRequest(trial_id, genome, seed))
