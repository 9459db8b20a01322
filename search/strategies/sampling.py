"""Strategies that learn nothing: random search and a Sobol design, the baselines that share
everything else with the evolutionary ones."""

from __future__ import annotations

import numpy as np

from evaluators import TrialResult
from genomes import Genome
from search.strategies.base import STRATEGIES, Strategy, StrategyContext
from search.strategies.designs import SobolDesign


class RandomSearch(Strategy):
    """Every trial an independent sample of the space."""

    def ask(self, trial_id: int, rng: np.random.Generator) -> Genome:
        return self.operators.sample(rng)

    def tell(self, trial_id: int, genome: Genome, result: TrialResult) -> None:
        pass


class SobolSearch(Strategy):
    """Consecutive points of one scrambled Sobol sequence (a re-ask after a duplicate takes
    the next point)."""

    def __init__(self, context: StrategyContext) -> None:
        super().__init__(context)
        self._design = SobolDesign(context.space, context.problem, context.settings.seed)
        self._next = 0

    def ask(self, trial_id: int, rng: np.random.Generator) -> Genome:
        self._next = max(self._next, trial_id)
        genome = self._design.genome(self._next, rng)
        self._next += 1
        return genome

    def tell(self, trial_id: int, genome: Genome, result: TrialResult) -> None:
        self._next = max(self._next, trial_id + 1)


STRATEGIES.register("random", RandomSearch)
STRATEGIES.register("sobol", SobolSearch)
