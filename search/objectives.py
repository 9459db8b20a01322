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
    weight_bytes: int | None


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
OBJECTIVES.register("size", Objective("weight_bytes", maximize=False))


GRAPH_FIELDS = frozenset({"params", "flops", "weight_bytes"})
"""The result fields that the network graph decides exactly, before any training."""


@dataclass(frozen=True, slots=True)
class Constraints:
    """Upper limits; a trial above one is infeasible by its relative excess."""

    max_latency_ms: float | None = None
    max_params: int | None = None
    max_flops: int | None = None
    max_weight_bytes: int | None = None

    @property
    def active(self) -> bool:
        return any(limit is not None for limit, _ in self._limits())

    @property
    def known_before_training(self) -> bool:
        """Whether a limit is set that the network graph decides (parameters, FLOPs, weight
        bytes), so a candidate can be checked against it before it is trained."""
        return any(limit is not None and field in GRAPH_FIELDS for limit, field in self._limits())

    def _limits(self) -> tuple[tuple[float | None, str], ...]:
        """Each limit with the result field it bounds."""
        return (
            (self.max_latency_ms, "latency_ms"),
            (self.max_params, "params"),
            (self.max_flops, "flops"),
            (self.max_weight_bytes, "weight_bytes"),
        )

    def violation(self, result: Measured) -> float:
        total = 0.0
        for limit, field in self._limits():
            value = getattr(result, field)
            if limit is not None and value is not None and value > limit:
                total += (value - limit) / limit
        return total


def objective_values(result: Measured, names: tuple[str, ...]) -> tuple[float, ...]:
    """The raw values of the named objectives, in their natural direction."""
    return tuple(float(getattr(result, OBJECTIVES.get(name).field)) for name in names)


def to_minimization(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    signs = np.array([-1.0 if OBJECTIVES.get(name).maximize else 1.0 for name in names])
    return np.asarray(values, dtype=float) * signs
