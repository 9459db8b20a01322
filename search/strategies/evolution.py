"""NSGA-II behind ask/tell: the first ``population`` trials come from the initial design;
every later one is bred from parents chosen by binary tournament on (rank, crowding), by
crossover and mutation. Survival keeps the best ``population`` by non-dominated sorting and
crowding (pymoo), after every result (``async``) or after every generation
(``generational``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaluators import TrialResult
from genomes import Genome
from search.nsga2 import Ranking, binary_tournament, rank_population, survive
from search.objectives import objective_values, to_minimization
from search.strategies.base import STRATEGIES, Strategy, StrategyContext
from search.strategies.designs import InitialDesign


@dataclass(frozen=True, slots=True)
class Member:
    """An evaluated genome: its objectives as costs (all minimised) and its constraint
    violation (0 when feasible)."""

    trial_id: int
    genome: Genome
    costs: tuple[float, ...]
    violation: float


class NSGA2(Strategy):
    def __init__(self, context: StrategyContext) -> None:
        super().__init__(context)
        settings = context.settings
        self._design = InitialDesign(
            settings.initial, context.space, context.problem, settings.seed
        )
        self.population: list[Member] = []
        self._generation: dict[int, Member | None] = {}
        warm = [self.member(-1 - i, g, r) for i, (g, r) in enumerate(context.warm)]
        self.admit([m for m in warm if m is not None], np.random.default_rng([settings.seed, 3]))

    def ask(self, trial_id: int, rng: np.random.Generator) -> Genome:
        """The initial design for the first ``population`` trials (unless earlier runs gave a
        population to breed from), then children."""
        warm = bool(self.context.warm) and len(self.population) >= 2
        if (trial_id < self.context.settings.population and not warm) or len(self.population) < 2:
            return self._design.genome(trial_id, rng)
        return self.breed(rng)

    def breed(self, rng: np.random.Generator, ranking: Ranking | None = None) -> Genome:
        """One child: two tournament winners, crossover (with its probability), mutation.
        ``ranking`` is the population's, when the caller breeds many children at once."""
        ranking = self.ranking() if ranking is None else ranking
        first, second = (self.population[i] for i in binary_tournament(ranking, 2, rng))
        if rng.random() < self.context.settings.crossover_probability:
            child = self.operators.mate(first.genome, second.genome, rng)[int(rng.integers(2))]
        else:
            child = first.genome
        return self.operators.mutate(child, rng)

    def ranking(self) -> Ranking:
        costs = np.array([m.costs for m in self.population])
        return rank_population(costs, np.array([m.violation for m in self.population]))

    def member(self, trial_id: int, genome: Genome, result: TrialResult) -> Member | None:
        """The evaluated genome, or None for a failure (a PRUNED trial is a trained network
        too, with its accuracy when it stopped)."""
        if not result.status.trained:
            return None
        settings = self.context.settings
        values = to_minimization(objective_values(result, settings.objectives), settings.objectives)
        violation = settings.constraints.violation(result)
        return Member(trial_id, genome, tuple(float(v) for v in values), violation)

    def tell(self, trial_id: int, genome: Genome, result: TrialResult) -> None:
        settings = self.context.settings
        member = self.member(trial_id, genome, result)
        if settings.mode != "generational":
            if member is not None:
                self.admit([member], np.random.default_rng([settings.seed, trial_id, 1]))
            return
        mu = settings.population
        self._generation[trial_id] = member
        generation = trial_id // mu
        size = min(mu, settings.evaluations - generation * mu)
        told = sorted(t for t in self._generation if t // mu == generation)
        if len(told) == size:
            members = [self._generation.pop(t) for t in told]
            evaluated = [m for m in members if m is not None]
            self.admit(evaluated, np.random.default_rng([settings.seed, generation, 2]))

    def admit(self, members: list[Member], rng: np.random.Generator) -> None:
        """Merge evaluated members into the population and keep the best by survival."""
        self.population += members
        if not self.population:
            return
        costs = np.array([m.costs for m in self.population])
        violation = np.array([m.violation for m in self.population])
        keep = survive(costs, self.context.settings.population, rng, violation)
        self.population = [self.population[i] for i in keep]


STRATEGIES.register("nsga2", NSGA2)
