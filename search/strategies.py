"""The strategies by their YAML names: NSGA-II (asynchronous or generational) and random
search, the baseline that shares everything else."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from deap import base

from evaluators import TrialResult
from genomes import Individual, Registry
from search.engine import Evaluator, PastTrial, Search, SearchObserver, SearchSettings
from search.nsga2 import binary_tournament, rank_population


class _Breeding(Search):
    """The first ``population`` trials are sampled; every later one is bred from parents
    chosen by binary tournament on (rank, crowding), by crossover and mutation."""

    def _candidate(self, trial_id: int, rng: np.random.Generator) -> Individual:
        if trial_id < self._settings.population or len(self._population) < 2:
            return self._toolbox.individual(rng)
        return self._breed(rng)

    def _breed(self, rng: np.random.Generator) -> Individual:
        ranking = rank_population(self._objectives(), np.array(self._violations))
        first, second = (self._population[i] for i in binary_tournament(ranking, 2, rng))
        if rng.random() < self._settings.crossover_probability:
            child = self._toolbox.mate(first, second, rng)[int(rng.integers(2))]
        else:
            child = self._toolbox.wrap(first.genome)
        return self._toolbox.mutate(child, rng)[0]


class AsyncNSGA2(_Breeding):
    """Steady state: every result updates the population at once and a child is bred the
    moment a worker frees, so no worker waits at a barrier."""


class GenerationalNSGA2(_Breeding):
    """Classic (mu + lambda) with mu = lambda = ``population``: generation g is the trials
    ``g * mu`` to ``(g + 1) * mu - 1``; the next is bred only when all of them are back, so
    with one worker and a seed the search repeats exactly."""

    def __init__(
        self,
        toolbox: base.Toolbox,
        settings: SearchSettings,
        evaluator: Evaluator,
        observer: SearchObserver,
        past: Sequence[PastTrial] = (),
    ) -> None:
        super().__init__(toolbox, settings, evaluator, observer, past)
        self._generation: list[tuple[int, Individual, TrialResult]] = []

    def _on_result(self, individual: Individual, result: TrialResult) -> None:
        self._generation.append((result.trial_id, individual, result))
        if len(self._generation) < self._generation_size(result.trial_id):
            return
        self._generation.sort(key=lambda entry: entry[0])
        evaluated = [(ind, res) for _, ind, res in self._generation if self._evaluated(ind, res)]
        generation = result.trial_id // self._settings.population
        self._generation = []
        self._admit(
            [ind for ind, _ in evaluated],
            [self._settings.constraints.violation(res) for _, res in evaluated],
            np.random.default_rng([self._settings.seed, generation, 2]),
        )

    def _generation_size(self, trial_id: int) -> int:
        """Trials in this trial's generation: ``population``, or fewer for a last one cut
        short by the evaluation budget."""
        start = trial_id // self._settings.population * self._settings.population
        return min(self._settings.population, self._settings.evaluations - start)

    def _may_submit(self) -> bool:
        """Only within the generation whose results are all in, or are still coming."""
        mu = self._settings.population
        pending = len(self._in_flight) + len(self._generation)
        return self._next_id % mu != 0 or pending == 0


class RandomSearch(Search):
    """Every trial sampled from the space; the population keeps the best by survival, only
    so that it is comparable with NSGA-II's."""

    def _candidate(self, trial_id: int, rng: np.random.Generator) -> Individual:
        return self._toolbox.individual(rng)


STRATEGIES: Registry[type[Search]] = Registry("search strategy")
STRATEGIES.register("nsga2/async", AsyncNSGA2)
STRATEGIES.register("nsga2/generational", GenerationalNSGA2)
STRATEGIES.register("random/async", RandomSearch)
STRATEGIES.register("random/generational", RandomSearch)


def make_search(
    toolbox: base.Toolbox,
    settings: SearchSettings,
    evaluator: Evaluator,
    observer: SearchObserver,
    past: Sequence[PastTrial] = (),
) -> Search:
    """The search that ``settings.strategy`` and ``settings.mode`` name."""
    search_class = STRATEGIES.get(f"{settings.strategy}/{settings.mode}")
    return search_class(toolbox, settings, evaluator, observer, past)
