"""The ask/tell interface between the search engine and the optimizers, and their registry.

The engine owns budgets, the pool, duplicates, pruning and resume; a strategy only answers
``ask`` (which genome to train as trial ``trial_id``) and learns from ``tell``. On resume the
engine replays ``tell`` for every finished trial, so a strategy must rebuild its state from
tells alone, and derive its randomness from the ``rng`` it is given or from the seed and trial
ids, never from the order of asks in one session.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from evaluators import TrialResult
from genomes import Genome, Problem, Registry, SearchSpace, VariationOperators
from search.settings import SearchSettings


@dataclass(frozen=True)
class StrategyContext:
    """What a strategy may know: the space, the data's shape, the search settings, and the
    trained trials of earlier runs on the same data (``warm``: genomes with their results,
    latencies already on this run's scale) for strategies that learn from them."""

    space: SearchSpace
    problem: Problem
    settings: SearchSettings
    warm: tuple[tuple[Genome, TrialResult], ...] = ()


class Strategy(ABC):
    """An optimizer behind ask/tell. ``ask`` may be called again for the same ``trial_id``
    when the engine rejects the answer as a duplicate (the last answer stands), and ``tell``
    may bring a genome the strategy never proposed (a replayed trial, or a fallback sample):
    the told genome is the truth."""

    def __init__(self, context: StrategyContext) -> None:
        self.context = context
        self.operators = VariationOperators(context.space, context.problem)

    @abstractmethod
    def ask(self, trial_id: int, rng: np.random.Generator) -> Genome:
        """The genome to train as ``trial_id``."""

    @abstractmethod
    def tell(self, trial_id: int, genome: Genome, result: TrialResult) -> None:
        """The outcome of a trial: COMPLETE, PRUNED (trained, stopped early) or FAILED."""

    def notes(self) -> Mapping[str, float]:
        """Numbers about the last ask worth keeping with its trial (predictions, model fit)."""
        return {}


STRATEGIES: Registry[type[Strategy]] = Registry("search strategy")
"""Strategies by their ``search.strategy`` names."""


def make_strategy(context: StrategyContext) -> Strategy:
    """The strategy that ``context.settings.strategy`` names."""
    return STRATEGIES.get(context.settings.strategy)(context)
