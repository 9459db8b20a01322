"""The gene schema: every gene declared once, as a row of a table.

A row says what a gene is (kind, scope, the families and data it applies to), which values it
may ever take (the vocabulary or the limits of its range), how the search samples it (linear
or log scale) and what it is when it does not apply. The config's ``space:`` section, sampling,
mutation, repair, JSON parsing and validation, the numeric encoding and gene importance all
read these rows, so a new gene is one row here plus the code that uses its value (build,
trainer or codegen).

Three parts of a genome are structure rather than genes and have their own code: the family
and the depth (rows here, but they decide which layer genes exist and how many), and skips
(pairs of block indices, switched on by ``space.skips``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from genomes.errors import SearchSpaceError
from genomes.vocabulary import (
    ACTIVATIONS,
    BLOCKS,
    DOWNSAMPLES,
    FAMILIES,
    KERNEL_SIZES,
    NORMS,
    OPTIMIZERS,
    SCHEDULES,
)


class GeneKind(str, Enum):
    INT = "int"
    FLOAT = "float"
    CATEGORICAL = "categorical"
    BOOL = "bool"


class GeneScope(str, Enum):
    NETWORK = "network"
    """One value per genome: the family and the depth."""
    SCALING = "scaling"
    """One value per genome that scales the whole network: input resolution, width
    multiplier (``ScalingGene``)."""
    LAYER = "layer"
    """One value per block (``LayerGene``)."""
    TRAINING = "training"
    """One value per genome, read by the trainer (``TrainGene``)."""


REQUIRED = object()
"""The fallback of a gene that every genome must state (no value stands in for it)."""


@dataclass(frozen=True, slots=True)
class Gene:
    """One gene. ``name`` is its field in the genome, ``key`` its key in ``space:``.

    Two rows may share a name when they apply to different families (an MLP layer's units
    and a CNN block's channels are both ``width``, searched under ``width`` and ``channels``).
    """

    name: str
    kind: GeneKind
    scope: GeneScope
    key: str
    default: tuple[Any, ...]
    """The config default: ``(low, high)`` for int and float genes, the choices otherwise."""
    choices: tuple[Any, ...] | None = None
    """Every value a categorical gene may take; None accepts any value within the limits."""
    minimum: float | None = None
    maximum: float | None = None
    log: bool = False
    """Sampled, mutated and encoded on a log scale."""
    families: tuple[str, ...] = FAMILIES
    images_only: bool = False
    fallback: Any = REQUIRED
    """The value where the gene does not apply, in genes built by hand that omit it, and in
    genomes written before the gene existed (see ``since``)."""
    affects_latency: bool = True
    """Whether the gene changes the network's shape (and so its latency); training genes
    and dropout do not."""
    since: int = 1
    """The genome schema version that introduced the gene; older genomes get ``fallback``,
    or ``implied`` in the families the gene applies to."""
    implied: Any = None
    """What genomes written before ``since`` had without saying (a CNN block of schema 1 is a
    plain ``conv`` block); None: the fallback."""
    used_by: tuple[str, ...] | None = None
    """The block types whose layers read this gene (None: every block); in other blocks its
    value is carried but shapes nothing."""
    mutation_eta: float = 10.0
    """Distribution index of the polynomial mutation of int and float genes (larger: smaller
    steps)."""
    help: str = ""

    def __post_init__(self) -> None:
        numeric = self.kind in (GeneKind.INT, GeneKind.FLOAT)
        if numeric and len(self.default) != 2:
            raise SearchSpaceError(f"gene {self.key}: a range default needs (low, high)")
        if self.kind is GeneKind.BOOL and self.choices is None:
            object.__setattr__(self, "choices", (False, True))

    @property
    def numeric(self) -> bool:
        return self.kind in (GeneKind.INT, GeneKind.FLOAT)

    @property
    def value_type(self) -> type:
        """The Python type of the gene's values (for categoricals, of their choices)."""
        if self.kind is GeneKind.INT:
            return int
        if self.kind is GeneKind.FLOAT:
            return float
        if self.kind is GeneKind.BOOL:
            return bool
        sample = self.choices or self.default
        return type(sample[0])

    def applies(self, family: str, is_image: bool) -> bool:
        return family in self.families and (is_image or not self.images_only)

    def shapes(self, layer: Mapping[str, Any]) -> bool:
        """Whether this layer gene's value changes the block it sits in."""
        return self.used_by is None or layer.get("block") in self.used_by

    def check_value_type(self, value: Any) -> bool:
        """Whether ``value`` has this gene's type (bool is never an int, an int is a float)."""
        if isinstance(value, bool):
            return self.value_type is bool
        if self.value_type is float:
            return isinstance(value, (int, float))
        return isinstance(value, self.value_type)


@dataclass(frozen=True)
class GeneSchema:
    """The table of genes. ``version`` is the genome JSON ``schema_version`` it writes."""

    genes: tuple[Gene, ...]
    version: int = 1
    _by_key: dict[str, Gene] = field(init=False, repr=False, compare=False)
    _rows: dict[tuple[GeneScope, str], tuple[Gene, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_key: dict[str, Gene] = {}
        for gene in self.genes:
            if gene.key in by_key:
                raise SearchSpaceError(f"gene key {gene.key!r} is declared twice")
            by_key[gene.key] = gene
        for name in {g.name for g in self.genes}:
            rows = [g for g in self.genes if g.name == name]
            scopes = {(g.scope, g.kind) for g in rows}
            families = [f for g in rows for f in g.families]
            if len(scopes) > 1 or len(families) != len(set(families)):
                raise SearchSpaceError(
                    f"gene {name!r}: rows sharing a name must share scope and kind and apply "
                    "to different families"
                )
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_rows", {})

    def __iter__(self) -> Iterator[Gene]:
        return iter(self.genes)

    def gene(self, key: str) -> Gene:
        try:
            return self._by_key[key]
        except KeyError:
            raise SearchSpaceError(
                f"unknown space key {key!r}; allowed: {', '.join(self._by_key)}"
            ) from None

    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    def scoped(self, scope: GeneScope) -> tuple[Gene, ...]:
        return tuple(g for g in self.genes if g.scope is scope)

    def names(self, scope: GeneScope) -> tuple[str, ...]:
        """Field names of one scope, in schema order, each once."""
        return tuple(dict.fromkeys(g.name for g in self.scoped(scope)))

    def rows(self, scope: GeneScope, family: str) -> tuple[Gene, ...]:
        """Per field name of ``scope``, the row that applies to ``family`` (or, where none
        does, the first row: the gene then takes its fallback)."""
        cached = self._rows.get((scope, family))
        if cached is not None:
            return cached
        chosen = []
        for name in self.names(scope):
            rows = [g for g in self.scoped(scope) if g.name == name]
            chosen.append(next((g for g in rows if family in g.families), rows[0]))
        self._rows[scope, family] = tuple(chosen)
        return self._rows[scope, family]

    def extended(self, *genes: Gene, version: int | None = None) -> GeneSchema:
        """This schema with more rows (a plug-in's genes, or a test's)."""
        return dataclasses.replace(
            self, genes=self.genes + genes, version=self.version if version is None else version
        )


def _network(name: str, kind: GeneKind, key: str, default: tuple, **kw: Any) -> Gene:
    return Gene(name, kind, GeneScope.NETWORK, key, default, **kw)


def _scaling(name: str, kind: GeneKind, key: str, default: tuple, **kw: Any) -> Gene:
    return Gene(name, kind, GeneScope.SCALING, key, default, since=2, **kw)


def _layer(name: str, kind: GeneKind, key: str, default: tuple, **kw: Any) -> Gene:
    return Gene(name, kind, GeneScope.LAYER, key, default, **kw)


def _training(name: str, kind: GeneKind, key: str, default: tuple, **kw: Any) -> Gene:
    return Gene(name, kind, GeneScope.TRAINING, key, default, affects_latency=False, **kw)


_INT, _FLOAT, _CAT, _BOOL = GeneKind.INT, GeneKind.FLOAT, GeneKind.CATEGORICAL, GeneKind.BOOL
CONV_FAMILIES = ("cnn", "cnn1d")
"""The convolutional families: the same block genes, in two or one spatial dimensions."""

DEFAULT_SCHEMA = GeneSchema(
    (
        _network("family", _CAT, "families", ("mlp",), choices=FAMILIES,
                 help="mlp | cnn (images) | cnn1d (signals)"),
        _network("depth", _INT, "depth", (1, 4), minimum=1, maximum=64, help="blocks"),
        _scaling("resolution", _CAT, "resolution", (0,), minimum=0, images_only=True,
                 fallback=0, help="side the network resizes images to first (0: the data's)"),
        _scaling("width_multiplier", _CAT, "width_multipliers", (1.0,), minimum=0.05,
                 families=CONV_FAMILIES, fallback=1.0, help="factor on every block's channels"),
        _layer("width", _INT, "width", (16, 256), minimum=1, log=True, families=("mlp",),
               help="mlp units (log scale)"),
        _layer("width", _INT, "channels", (8, 64), minimum=1, log=True, families=CONV_FAMILIES,
               help="cnn and cnn1d channels (log scale)"),
        _layer("activation", _CAT, "activations", ("relu", "gelu", "silu", "tanh"),
               choices=ACTIVATIONS.names()),
        _layer("norm", _CAT, "norms", ("none",), choices=NORMS, fallback="none"),
        _layer("dropout", _FLOAT, "dropout", (0.0, 0.5), minimum=0.0, maximum=0.95,
               fallback=0.0, affects_latency=False),
        _layer("kernel_size", _CAT, "kernel_sizes", (3,), choices=KERNEL_SIZES,
               families=CONV_FAMILIES, fallback=None),
        _layer("downsample", _CAT, "downsamples", ("none", "pool"), choices=DOWNSAMPLES,
               families=CONV_FAMILIES, fallback=None),
        _layer("block", _CAT, "blocks", ("conv",), choices=BLOCKS, families=CONV_FAMILIES,
               fallback=None, since=2, implied="conv",
               help="conv | dwsep (depthwise-separable) | mbconv (inverted residual)"),
        _layer("expansion", _CAT, "expansion", (3, 6), minimum=1, families=CONV_FAMILIES,
               fallback=None, since=2, implied=1, used_by=("mbconv",),
               help="mbconv expansion ratios"),
        _layer("se", _BOOL, "se", (False,), families=CONV_FAMILIES, fallback=None, since=2,
               implied=False, used_by=("mbconv",), help="squeeze-excitation in mbconv blocks"),
        _training("optimizer", _CAT, "optimizers", ("sgd", "adam", "adamw"), choices=OPTIMIZERS),
        _training("lr", _FLOAT, "lr", (1e-4, 1e-1), minimum=1e-8, maximum=10.0, log=True,
                  help="log scale"),
        _training("batch_size", _CAT, "batch_sizes", (16, 32, 64, 128), minimum=1),
        _training("weight_decay", _FLOAT, "weight_decay", (1e-6, 1e-2), minimum=0.0,
                  maximum=1.0, log=True),
        _training("schedule", _CAT, "schedules", ("constant",), choices=SCHEDULES,
                  fallback="constant"),
        _training("warmup_epochs", _INT, "warmup_epochs", (0, 0), minimum=0, fallback=0),
        _training("label_smoothing", _FLOAT, "label_smoothing", (0.0, 0.0), minimum=0.0,
                  maximum=0.5, fallback=0.0),
        _training("augment", _BOOL, "augment", (False,), images_only=True, fallback=False,
                  help="random crops and flips (images only)"),
        _training("max_epochs", _INT, "max_epochs", (30, 30), minimum=1, fallback=30),
    ),
    version=2,
)  # fmt: skip
