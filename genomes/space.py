"""The search space: for every gene a range, a list of choices, or a fixed value.

A fixed value is a range with ``low == high`` or a one-element choice list. Genes that apply to
one family only (``channels``, ``kernel_sizes``, ``downsamples`` for cnn; ``width`` for mlp) are
ignored by the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genomes.errors import SearchSpaceError
from genomes.vocabulary import (
    ACTIVATIONS,
    DOWNSAMPLES,
    FAMILIES,
    KERNEL_SIZES,
    NORMS,
    OPTIMIZERS,
    SCHEDULES,
)


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


@dataclass(frozen=True, slots=True)
class IntRange:
    low: int
    high: int
    log: bool = False

    def sample(self, rng: np.random.Generator) -> int:
        if self.log:
            return self.clip(_log_uniform(rng, self.low, self.high))
        return int(rng.integers(self.low, self.high + 1))

    def clip(self, value: float) -> int:
        return int(min(max(round(value), self.low), self.high))

    def contains(self, value: Any) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class FloatRange:
    low: float
    high: float
    log: bool = False

    def sample(self, rng: np.random.Generator) -> float:
        if self.log:
            return _log_uniform(rng, self.low, self.high)
        return float(rng.uniform(self.low, self.high))

    def clip(self, value: float) -> float:
        return float(min(max(value, self.low), self.high))

    def contains(self, value: Any) -> bool:
        return isinstance(value, float) and self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class Problem:
    """What the data fixes: the input shape without the batch axis, and the class count."""

    input_shape: tuple[int, ...]
    num_classes: int

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """Ranges and choices of every gene, plus the user's hard limits (``max_params``)."""

    families: tuple[str, ...] = ("mlp",)
    depth: IntRange = IntRange(1, 4)
    width: IntRange = IntRange(16, 256, log=True)
    channels: IntRange = IntRange(8, 64, log=True)
    activations: tuple[str, ...] = ("relu", "gelu", "silu", "tanh")
    norms: tuple[str, ...] = ("none",)
    dropout: FloatRange = FloatRange(0.0, 0.5)
    kernel_sizes: tuple[int, ...] = (3,)
    downsamples: tuple[str, ...] = ("none", "pool")
    skips: bool = False
    optimizers: tuple[str, ...] = ("sgd", "adam", "adamw")
    lr: FloatRange = FloatRange(1e-4, 1e-1, log=True)
    schedules: tuple[str, ...] = ("constant",)
    warmup_epochs: IntRange = IntRange(0, 0)
    batch_sizes: tuple[int, ...] = (16, 32, 64, 128)
    weight_decay: FloatRange = FloatRange(1e-6, 1e-2, log=True)
    label_smoothing: FloatRange = FloatRange(0.0, 0.0)
    augment: tuple[bool, ...] = (False,)
    max_epochs: IntRange = IntRange(30, 30)
    max_params: int | None = field(default=None)

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        _check_choices("space.families", self.families, FAMILIES)
        _check_choices("space.activations", self.activations, ACTIVATIONS.names())
        _check_choices("space.norms", self.norms, NORMS)
        _check_choices("space.kernel_sizes", self.kernel_sizes, KERNEL_SIZES)
        _check_choices("space.downsamples", self.downsamples, DOWNSAMPLES)
        _check_choices("space.optimizers", self.optimizers, OPTIMIZERS)
        _check_choices("space.schedules", self.schedules, SCHEDULES)
        _check_choices("space.augment", self.augment, (False, True))
        _check_choices("space.batch_sizes", self.batch_sizes, None)
        _check_range("space.depth", self.depth, minimum=1)
        _check_range("space.width", self.width, minimum=1)
        _check_range("space.channels", self.channels, minimum=1)
        _check_range("space.dropout", self.dropout, minimum=0.0, maximum=0.95)
        _check_range("space.lr", self.lr, minimum=1e-8, maximum=10.0)
        _check_range("space.warmup_epochs", self.warmup_epochs, minimum=0)
        _check_range("space.weight_decay", self.weight_decay, minimum=0.0, maximum=1.0)
        _check_range("space.label_smoothing", self.label_smoothing, minimum=0.0, maximum=0.5)
        _check_range("space.max_epochs", self.max_epochs, minimum=1)
        if any(not isinstance(b, int) or isinstance(b, bool) or b < 1 for b in self.batch_sizes):
            raise SearchSpaceError(
                f"space.batch_sizes must be positive integers; got {list(self.batch_sizes)}"
            )
        if self.max_params is not None and self.max_params < 1:
            raise SearchSpaceError(f"space.max_params must be >= 1; got {self.max_params}")

    def check_problem(self, problem: Problem) -> None:
        """Reject a space that cannot produce any network for this data."""
        if "cnn" in self.families and not problem.is_image:
            raise SearchSpaceError(
                "space.families includes 'cnn', which needs image inputs (C x H x W); "
                f"this dataset has input shape {list(problem.input_shape)}; allowed: ['mlp']"
            )


def _check_choices(key: str, values: Sequence[Any], allowed: Sequence[Any] | None) -> None:
    if len(values) == 0:
        raise SearchSpaceError(f"{key} must list at least one choice; got []")
    if len(set(values)) != len(values):
        raise SearchSpaceError(f"{key} must not repeat a choice; got {list(values)}")
    if allowed is None:
        return
    for value in values:
        if value not in allowed or isinstance(value, bool) != isinstance(allowed[0], bool):
            raise SearchSpaceError(f"{key} has unknown choice {value!r}; allowed: {list(allowed)}")


def _check_range(
    key: str, rng: IntRange | FloatRange, minimum: float, maximum: float | None = None
) -> None:
    if rng.low > rng.high:
        raise SearchSpaceError(f"{key} must have low <= high; got [{rng.low}, {rng.high}]")
    if rng.low < minimum or (maximum is not None and rng.high > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise SearchSpaceError(
            f"{key} must lie within >= {minimum}{upper}; got [{rng.low}, {rng.high}]"
        )
    if rng.log and rng.low <= 0:
        raise SearchSpaceError(f"{key} is log-scaled, so low must be > 0; got {rng.low}")
