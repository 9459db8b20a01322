"""The asynchronous steady-state NSGA-II loop: the moment a result arrives the population is
updated by survival and a child is bred and submitted, so no worker waits at a barrier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from deap import base

from evaluators import TrialRequest, TrialResult, TrialStatus, trial_seed
from genomes import Genome, Individual
from search.nsga2 import binary_tournament, rank_population, survive
from search.objectives import Constraints, objective_values, to_minimization

_MAX_DUPLICATE_RETRIES = 50


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


class AsyncNSGA2:
    """Steady-state NSGA-II: the first ``population`` trials are sampled, every later one is
    bred from parents chosen by binary tournament in the current population."""

    def __init__(
        self,
        toolbox: base.Toolbox,
        settings: SearchSettings,
        rng: np.random.Generator,
        evaluator: Evaluator,
        observer: SearchObserver,
    ) -> None:
        self._toolbox = toolbox
        self._settings = settings
        self._rng = rng
        self._evaluator = evaluator
        self._observer = observer
        self._population: list[Individual] = []
        self._violations: list[float] = []
        self._in_flight: dict[int, Individual] = {}
        self._seen: set[str] = set()
        self._next_id = 0

    @property
    def population(self) -> list[Individual]:
        return list(self._population)

    def run(self) -> list[Individual]:
        """Spend the evaluation budget; returns the final population."""
        budget = self._settings.evaluations
        while self._next_id < min(self._evaluator.capacity, budget):
            self._submit(self._candidate())
        while self._in_flight:
            result = self._evaluator.next_result()
            if result is None:
                continue
            individual = self._in_flight.pop(result.trial_id)
            self._observer.trial_finished(result, individual.genome)
            if result.status is TrialStatus.COMPLETE:
                self._admit(individual, result)
            if self._next_id < budget:
                self._submit(self._candidate())
        return self.population

    def _submit(self, individual: Individual) -> None:
        trial_id = self._next_id
        self._next_id += 1
        self._seen.add(individual.genome.hash())
        self._in_flight[trial_id] = individual
        self._observer.trial_started(trial_id, individual.genome)
        self._evaluator.submit(
            TrialRequest(trial_id, individual.genome, trial_seed(self._settings.seed, trial_id))
        )

    def _admit(self, individual: Individual, result: TrialResult) -> None:
        individual.fitness.values = objective_values(result, self._settings.objectives)
        self._population.append(individual)
        self._violations.append(self._settings.constraints.violation(result))
        keep = survive(
            self._objectives(), self._settings.population, self._rng, np.array(self._violations)
        )
        self._population = [self._population[i] for i in keep]
        self._violations = [self._violations[i] for i in keep]

    def _objectives(self) -> np.ndarray:
        values = np.array([ind.fitness.values for ind in self._population])
        return to_minimization(values, self._settings.objectives)

    def _candidate(self) -> Individual:
        """A genome not tried before: sampled while the population fills, bred after."""
        for _ in range(_MAX_DUPLICATE_RETRIES):
            if self._next_id < self._settings.population or len(self._population) < 2:
                child = self._toolbox.individual()
            else:
                child = self._breed()
            if child.genome.hash() not in self._seen:
                return child
        return self._toolbox.individual()

    def _breed(self) -> Individual:
        ranking = rank_population(self._objectives(), np.array(self._violations))
        first, second = (self._population[i] for i in binary_tournament(ranking, 2, self._rng))
        if self._rng.random() < self._settings.crossover_probability:
            child = self._toolbox.mate(first, second)[int(self._rng.integers(2))]
        else:
            child = self._toolbox.wrap(first.genome)
        return self._toolbox.mutate(child)[0]
