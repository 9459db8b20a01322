"""The settings of one search, shared by the engine and every strategy."""

from __future__ import annotations

from dataclasses import dataclass

from search.objectives import Constraints


@dataclass(frozen=True, slots=True)
class GuidedSettings:
    """The ``guided`` strategy's knobs (``search.guided``)."""

    candidates: int = 64
    """Children (and a few fresh samples) screened per ask."""
    startup: int = 10
    """Trials drawn from the Sobol design before the models steer."""
    exploration: float = 0.2
    """Share of later asks that train an unscreened child or a fresh sample."""
    reference: str = "nadir"
    """Where the error axis of the improvement box ends: ``nadir`` (1.1 times the worst error
    on the current front, so a network less accurate than every front member earns nothing
    for being faster still) or ``run`` (error 1, the run's own hypervolume box). Chosen on
    the tuning seeds 100..104 of the digits benchmark (``experiments/RESULTS.md``)."""
    local: float = 0.0
    """Share of the candidates that are mutations of the current front's members (a local
    search around the best trade-offs, as acquisition optimisers start from the incumbents)
    rather than children of tournament parents."""
    surrogate: str = "forest"
    """What predicts accuracy: ``forest`` (extra trees) or ``gp`` (a Gaussian process)."""


@dataclass(frozen=True, slots=True)
class SearchSettings:
    population: int = 16
    evaluations: int = 64
    seed: int = 0
    objectives: tuple[str, ...] = ("accuracy", "latency")
    constraints: Constraints = Constraints()
    crossover_probability: float = 0.9
    strategy: str = "guided"
    mode: str = "async"
    """``async`` (steady state) or ``generational`` (a barrier after every ``population``
    trials; with one worker and a seed the run repeats exactly)."""
    initial: str = "random"
    """How strategies with an initial design draw it: ``random`` or ``sobol``."""
    max_seconds: float | None = None
    """Wall-time budget: no trial is submitted after it; running ones finish."""
    guided: GuidedSettings = GuidedSettings()
