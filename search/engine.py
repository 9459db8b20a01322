"""The search loop shared by every strategy: submitting, budgets (evaluations, wall time),
duplicates, and resuming from past trials. Strategies decide what to submit next and how the
population changes (``search/strategies.py``)."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from deap import base

from evaluators import TrialRequest, TrialResult, TrialStatus, trial_seed
from genomes import Genome, Individual
from search.nsga2 import survive
from search.objectives import Constraints, objective_values, to_minimization

_MAX_DUPLICATE_RETRIES = 50
_WAKE_SECONDS = 0.5


class Evaluator(Protocol):
    """What the loop needs of a worker pool (``evaluators.LocalPool`` is one)."""

    @property
    def capacity(self) -> int: ...

    def submit(self, request: TrialRequest) -> None: ...

    def next_result(self, timeout: float | None = None) -> TrialResult | None: ...


class SearchObserver(Protocol):
    """Told of every submission and result, e.g. to persist trials and show progress."""

    def trial_started(self, trial_id: int, genome: Genome) -> None: ...

    def trial_finished(self, result: TrialResult, genome: Genome) -> None: ...


@dataclass(frozen=True, slots=True)
class SearchSettings:
    population: int = 16
    evaluations: int = 64
    seed: int = 0
    objectives: tuple[str, ...] = ("accuracy", "latency")
    constraints: Constraints = Constraints()
    crossover_probability: float = 0.9
    strategy: str = "nsga2"
    mode: str = "async"
    max_seconds: float | None = None
    """Wall-time budget: no trial is submitted after it; running ones finish."""


@dataclass(frozen=True, slots=True)
class PastTrial:
    """A trial of an earlier session, from the store: finished (``result``) or not (None),
    in which case it is submitted again under the same id."""

    trial_id: int
    genome: Genome
    result: TrialResult | None


class Search(ABC):
    """Template of a search: ``run`` replays past trials, re-submits unfinished ones, then
    keeps the workers busy until the budget is spent. Randomness for trial ``i`` comes from
    ``np.random.default_rng([seed, i])``, so a resumed run rebuilds it from the trial ids."""

    def __init__(
        self,
        toolbox: base.Toolbox,
        settings: SearchSettings,
        evaluator: Evaluator,
        observer: SearchObserver,
        past: Sequence[PastTrial] = (),
    ) -> None:
        self._toolbox = toolbox
        self._settings = settings
        self._evaluator = evaluator
        self._observer = observer
        self._past = sorted(past, key=lambda trial: trial.trial_id)
        self._population: list[Individual] = []
        self._violations: list[float] = []
        self._in_flight: dict[int, Individual] = {}
        self._seen: set[str] = {trial.genome.hash() for trial in self._past}
        self._next_id = 1 + max((trial.trial_id for trial in self._past), default=-1)
        self._deadline: float | None = None
        self._stopping = False

    @property
    def population(self) -> list[Individual]:
        return list(self._population)

    def stop(self) -> None:
        """Submit nothing more; ``run`` returns once the running trials finish."""
        self._stopping = True

    def run(self) -> list[Individual]:
        """Spend the budget; returns the final population."""
        if self._settings.max_seconds is not None:
            self._deadline = time.monotonic() + self._settings.max_seconds
        for trial in self._past:
            if trial.result is not None:
                self._replay(self._toolbox.wrap(trial.genome), trial.result)
        for trial in self._past:
            if trial.result is None:
                self._submit(trial.trial_id, self._toolbox.wrap(trial.genome))
        self._fill()
        while self._in_flight:
            result = self._evaluator.next_result(timeout=_WAKE_SECONDS)
            if result is not None:
                individual = self._in_flight.pop(result.trial_id)
                self._observer.trial_finished(result, individual.genome)
                self._on_result(individual, result)
            self._fill()
        return self.population

    def _replay(self, individual: Individual, result: TrialResult) -> None:
        """Rebuild the population from one finished past trial."""
        self._on_result(individual, result)

    def _on_result(self, individual: Individual, result: TrialResult) -> None:
        """Steady state: a COMPLETE result joins the population at once."""
        if self._evaluated(individual, result):
            violation = self._settings.constraints.violation(result)
            self._admit([individual], [violation], self.rng_for(result.trial_id, stream=1))

    def _may_submit(self) -> bool:
        """Whether a new trial may start now (a generational search waits at its barrier)."""
        return True

    @abstractmethod
    def _candidate(self, trial_id: int, rng: np.random.Generator) -> Individual: ...

    def _budget_left(self) -> bool:
        out_of_time = self._deadline is not None and time.monotonic() >= self._deadline
        return not self._stopping and not out_of_time and self._next_id < self._settings.evaluations

    def _fill(self) -> None:
        while (
            len(self._in_flight) < self._evaluator.capacity
            and self._budget_left()
            and self._may_submit()
        ):
            trial_id = self._next_id
            self._next_id += 1
            self._submit(trial_id, self._unseen(trial_id, self.rng_for(trial_id)))

    def rng_for(self, trial_id: int, stream: int = 0) -> np.random.Generator:
        return np.random.default_rng([self._settings.seed, trial_id, stream])

    def _unseen(self, trial_id: int, rng: np.random.Generator) -> Individual:
        """A candidate whose genome was never submitted: duplicates are never trained."""
        for _ in range(_MAX_DUPLICATE_RETRIES):
            child = self._candidate(trial_id, rng)
            if child.genome.hash() not in self._seen:
                return child
        return self._toolbox.individual(rng)

    def _submit(self, trial_id: int, individual: Individual) -> None:
        self._seen.add(individual.genome.hash())
        self._in_flight[trial_id] = individual
        self._observer.trial_started(trial_id, individual.genome)
        seed = trial_seed(self._settings.seed, trial_id)
        self._evaluator.submit(TrialRequest(trial_id, individual.genome, seed))

    def _admit(
        self, individuals: list[Individual], violations: list[float], rng: np.random.Generator
    ) -> None:
        """Merge evaluated individuals into the population and keep the best by survival."""
        self._population += individuals
        self._violations += violations
        keep = survive(
            self._objectives(), self._settings.population, rng, np.array(self._violations)
        )
        self._population = [self._population[i] for i in keep]
        self._violations = [self._violations[i] for i in keep]

    def _objectives(self) -> np.ndarray:
        values = np.array([ind.fitness.values for ind in self._population])
        return to_minimization(values, self._settings.objectives)

    def _evaluated(self, individual: Individual, result: TrialResult) -> bool:
        """Give a trained network's objective values to the individual (a PRUNED one is a
        trained network too, with its accuracy when it stopped); False for a failure."""
        if result.status not in (TrialStatus.COMPLETE, TrialStatus.PRUNED):
            return False
        individual.fitness.values = objective_values(result, self._settings.objectives)
        return True
