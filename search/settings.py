"""The settings of one search, shared by the engine and every strategy."""

from __future__ import annotations

from dataclasses import dataclass

from search.objectives import Constraints


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
    """``async`` (steady state) or ``generational`` (a barrier after every ``population``
    trials; with one worker and a seed the run repeats exactly)."""
    initial: str = "random"
    """How strategies with an initial design draw it: ``random`` or ``sobol``."""
    max_seconds: float | None = None
    """Wall-time budget: no trial is submitted after it; running ones finish."""
