"""The search space: for every gene of the schema a domain (a range or a list of choices),
plus the structural switches (``skips``) and the user's hard limit on parameters.

A fixed value is a range with ``low == high`` or a one-element choice list. Genes that apply
to one family only (``channels``, ``kernel_sizes``, ``downsamples`` for cnn; ``width`` for
mlp) are ignored by the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genomes.errors import SearchSpaceError
from genomes.schema import DEFAULT_SCHEMA, Gene, GeneKind, GeneSchema
from genomes.vocabulary import FAMILIES


@dataclass(frozen=True, slots=True)
class IntRange:
    low: int
    high: int
    log: bool = False

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def sample(self, rng: np.random.Generator) -> int:
        if self.log:
            return self.from_unit(rng.random())
        return int(rng.integers(self.low, self.high + 1))

    def nearest(self, value: Any, rng: np.random.Generator) -> int:
        return int(min(max(round(value), self.low), self.high))

    def contains(self, value: Any) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def to_unit(self, value: Any) -> float:
        return _to_unit(float(value), self.low, self.high, self.log)

    def from_unit(self, u: float) -> int:
        return self.nearest(_from_unit(u, self.low, self.high, self.log), _NO_RNG)

    def describe(self) -> str:
        return f"[{self.low}, {self.high}]"


@dataclass(frozen=True, slots=True)
class FloatRange:
    low: float
    high: float
    log: bool = False

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def sample(self, rng: np.random.Generator) -> float:
        return self.from_unit(rng.random())

    def nearest(self, value: Any, rng: np.random.Generator) -> float:
        return float(min(max(value, self.low), self.high))

    def contains(self, value: Any) -> bool:
        return isinstance(value, float) and self.low <= value <= self.high

    def to_unit(self, value: Any) -> float:
        return _to_unit(float(value), self.low, self.high, self.log)

    def from_unit(self, u: float) -> float:
        return self.nearest(_from_unit(u, self.low, self.high, self.log), _NO_RNG)

    def describe(self) -> str:
        return f"[{self.low}, {self.high}]"


@dataclass(frozen=True, slots=True)
class Choices:
    """Unordered choices (one-hot in the encoding), or ordered ones when all are numbers
    (one coordinate, their rank)."""

    values: tuple[Any, ...]

    @property
    def fixed(self) -> bool:
        return len(self.values) == 1

    @property
    def ordered(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.values[int(rng.integers(len(self.values)))]

    def nearest(self, value: Any, rng: np.random.Generator) -> Any:
        """The value itself when allowed, else a random choice."""
        return value if self.contains(value) else self.sample(rng)

    def contains(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def index(self, value: Any) -> int:
        return next(i for i, v in enumerate(self.values) if value == v and type(value) is type(v))

    def ranked(self) -> tuple[Any, ...]:
        return tuple(sorted(self.values)) if self.ordered else self.values

    def describe(self) -> str:
        return repr(list(self.values))

    def __iter__(self):  # noqa: ANN204 - iterating a domain yields its choices
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, value: object) -> bool:
        return self.contains(value)


Domain = IntRange | FloatRange | Choices


class _NoRng:
    """Stands in for a generator where ``nearest`` of a range never draws."""


_NO_RNG: Any = _NoRng()


def _to_unit(value: float, low: float, high: float, log: bool) -> float:
    if high == low:
        return 0.0
    if log:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def _from_unit(u: float, low: float, high: float, log: bool) -> float:
    u = min(max(float(u), 0.0), 1.0)
    if log:
        return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    return low + u * (high - low)


@dataclass(frozen=True, slots=True)
class Problem:
    """What the data fixes: the input shape without the batch axis, and the class count."""

    input_shape: tuple[int, ...]
    num_classes: int

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3

    @property
    def is_signal(self) -> bool:
        """C channels x L steps: audio, vibration, accelerometer, ECG."""
        return len(self.input_shape) == 2

    def takes(self, family: str) -> bool:
        """Whether networks of ``family`` fit this data: an MLP fits all, a CNN images, a
        1-D CNN signals."""
        needs = {"cnn": self.is_image, "cnn1d": self.is_signal}
        return needs.get(family, True)


class SearchSpace:
    """Domains by config key (``SearchSpace(depth=IntRange(1, 3), activations=("relu",))``);
    keys left out take the schema's defaults. ``space.depth`` is the domain of ``depth``."""

    __slots__ = ("schema", "skips", "max_params", "_domains", "_hash")

    def __init__(
        self,
        schema: GeneSchema | None = None,
        *,
        skips: bool = False,
        max_params: int | None = None,
        **domains: Domain | Sequence[Any],
    ) -> None:
        schema = DEFAULT_SCHEMA if schema is None else schema
        resolved: dict[str, Domain] = {}
        for key in domains:
            schema.gene(key)  # unknown keys raise, naming the allowed ones
        for gene in schema:
            resolved[gene.key] = _as_domain(gene, domains.get(gene.key, gene.default))
            check_domain(gene, resolved[gene.key])
        if max_params is not None and max_params < 1:
            raise SearchSpaceError(f"space.max_params must be >= 1; got {max_params}")
        object.__setattr__(self, "schema", schema)
        object.__setattr__(self, "skips", bool(skips))
        object.__setattr__(self, "max_params", max_params)
        object.__setattr__(self, "_domains", resolved)
        # hashed once: the operators' caches look a space up tens of thousands of times a search
        object.__setattr__(self, "_hash", hash((self.skips, max_params, tuple(resolved.items()))))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a SearchSpace is immutable")

    def __getattr__(self, key: str) -> Domain:
        try:
            return object.__getattribute__(self, "_domains")[key]
        except KeyError:
            raise AttributeError(key) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.__reduce__() == other.__reduce__()

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.schema, self.skips, self.max_params, self._domains))

    def __repr__(self) -> str:
        domains = ", ".join(f"{k}={d.describe()}" for k, d in self._domains.items())
        return f"SearchSpace({domains}, skips={self.skips}, max_params={self.max_params})"

    def domain(self, gene: Gene) -> Domain:
        return self._domains[gene.key]

    def domains(self) -> dict[str, Domain]:
        return dict(self._domains)

    def check_problem(self, problem: Problem) -> None:
        """Reject a space that cannot produce any network for this data."""
        for family, needs in (("cnn", "image inputs (C x H x W)"), ("cnn1d", "signals (C x L)")):
            if family in self.families and not problem.takes(family):
                allowed = [f for f in FAMILIES if problem.takes(f)]
                raise SearchSpaceError(
                    f"space.families includes {family!r}, which needs {needs}; this dataset "
                    f"has input shape {list(problem.input_shape)}; allowed: {allowed}"
                )
        resolutions = [side for side in self.resolution if side]
        if resolutions and not problem.is_image:
            raise SearchSpaceError(
                f"space.resolution is {list(self.resolution)}, but this dataset has no images "
                f"(input shape {list(problem.input_shape)}); allowed: [0]"
            )
        largest = min(problem.input_shape[1:]) if problem.is_image else 0
        own = problem.input_shape[1] if problem.is_image else None
        if 0 in self.resolution and own in resolutions and problem.input_shape[2] == own:
            raise SearchSpaceError(
                f"space.resolution lists both 0 and {own}, the images' own size twice (one "
                f"network, two genomes); allowed: one of them"
            )
        if any(side > largest for side in resolutions):
            raise SearchSpaceError(
                f"space.resolution has {max(resolutions)}, larger than this dataset's images "
                f"({'x'.join(map(str, problem.input_shape[1:]))}); allowed: sides up to "
                f"{largest}, or 0 for the images' own size"
            )


def _rebuild(
    schema: GeneSchema, skips: bool, max_params: int | None, domains: dict[str, Domain]
) -> SearchSpace:
    return SearchSpace(schema, skips=skips, max_params=max_params, **domains)


def _as_domain(gene: Gene, value: Domain | Sequence[Any]) -> Domain:
    if isinstance(value, (IntRange, FloatRange, Choices)):
        return value
    values = tuple(value)
    if gene.kind is GeneKind.INT and len(values) in (1, 2):
        low, high = values[0], values[-1]
        return IntRange(low, high, log=gene.log and low != high)
    if gene.kind is GeneKind.FLOAT and len(values) in (1, 2):
        low, high = values[0], values[-1]
        return FloatRange(float(low), float(high), log=gene.log and low != high)
    return Choices(values)


def check_domain(gene: Gene, domain: Domain) -> None:
    """Raise ``SearchSpaceError`` naming the key, the rule and the value."""
    key = f"space.{gene.key}"
    if isinstance(domain, Choices):
        _check_choices(key, gene, domain)
    else:
        _check_range(key, gene, domain)


def _check_choices(key: str, gene: Gene, domain: Choices) -> None:
    values = list(domain.values)
    if gene.numeric:
        raise SearchSpaceError(f"{key} must be [low, high] or one value; got {values}")
    if not values:
        raise SearchSpaceError(f"{key} must list at least one choice; got []")
    if len(set(values)) != len(values):
        raise SearchSpaceError(f"{key} must not repeat a choice; got {values}")
    for value in values:
        if type(value) is not gene.value_type:
            allowed = list(gene.choices) if gene.choices else f"{gene.value_type.__name__} values"
            raise SearchSpaceError(f"{key} has unknown choice {value!r}; allowed: {allowed}")
        if gene.choices is not None and value not in gene.choices:
            raise SearchSpaceError(
                f"{key} has unknown choice {value!r}; allowed: {list(gene.choices)}"
            )
        if gene.minimum is not None and value < gene.minimum:
            raise SearchSpaceError(f"{key} must hold values >= {gene.minimum:g}; got {values}")


def _check_range(key: str, gene: Gene, domain: IntRange | FloatRange) -> None:
    if not gene.numeric:
        raise SearchSpaceError(f"{key} must be a list of choices; got {domain.describe()}")
    if gene.kind is GeneKind.INT and not (
        isinstance(domain, IntRange) and _is_int(domain.low) and _is_int(domain.high)
    ):
        raise SearchSpaceError(f"{key} must hold integers; got {domain.describe()}")
    if domain.low > domain.high:
        raise SearchSpaceError(f"{key} must have low <= high; got {domain.describe()}")
    low_ok = gene.minimum is None or domain.low >= gene.minimum
    high_ok = gene.maximum is None or domain.high <= gene.maximum
    if not (low_ok and high_ok):
        lower = "" if gene.minimum is None else f" >= {gene.minimum:g}"
        upper = "" if gene.maximum is None else f" and <= {gene.maximum:g}"
        raise SearchSpaceError(f"{key} must lie within{lower}{upper}; got {domain.describe()}")
    if domain.log and domain.low <= 0:
        raise SearchSpaceError(f"{key} is log-scaled, so low must be > 0; got {domain.low}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
