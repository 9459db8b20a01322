"""Objectives and constraints: how a trial result becomes numbers to rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from genomes import Registry


class Measured(Protocol):
    """Anything carrying a trial's metrics: a ``TrialResult`` or a stored trial record."""

    val_accuracy: float | None
    latency_ms: float | None
    params: int | None
    flops: int | None


@dataclass(frozen=True, slots=True)
class Objective:
    """``field`` of a trial result, maximised when ``maximize`` is true: the one place that
    says which way an objective goes."""

    field: str
    maximize: bool


OBJECTIVES: Registry[Objective] = Registry("objective")
OBJECTIVES.register("accuracy", Objective("val_accuracy", maximize=True))
OBJECTIVES.register("latency", Objective("latency_ms", maximize=False))
OBJECTIVES.register("params", Objective("params", maximize=False))
OBJECTIVES.register("flops", Objective("flops", maximize=False))


@dataclass(frozen=True, slots=True)
class Constraints:
    """Upper limits; a trial above one is infeasible by its relative excess."""

    max_latency_ms: float | None = None
    max_params: int | None = None
    max_flops: int | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.max_latency_ms, self.max_params, self.max_flops))

    def violation(self, result: Measured) -> float:
        total = 0.0
        for limit, value in (
            (self.max_latency_ms, result.latency_ms),
            (self.max_params, result.params),
            (self.max_flops, result.flops),
        ):
            if limit is not None and value is not None and value > limit:
                total += (value - limit) / limit
        return total


def objective_values(result: Measured, names: tuple[str, ...]) -> tuple[float, ...]:
    """The raw values of the named objectives, in their natural direction."""
    return tuple(float(getattr(result, OBJECTIVES.get(name).field)) for name in names)


def to_minimization(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    signs = np.array([-1.0 if OBJECTIVES.get(name).maximize else 1.0 for name in names])
    return np.asarray(values, dtype=float) * signs
