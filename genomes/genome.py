"""The genome: architecture genes plus training genes, immutable, with a canonical JSON form.

Gene values live in small immutable mappings (``LayerGene``, ``TrainGene``) whose fields are
the schema's gene names, read as attributes (``layer.width``, ``genome.train.lr``), so a gene
added to the schema needs no new field here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from genomes.errors import InvalidGenomeError
from genomes.schema import DEFAULT_SCHEMA, REQUIRED, Gene, GeneSchema, GeneScope

SCHEMA_VERSION = DEFAULT_SCHEMA.version


class GeneValues(Mapping[str, Any]):
    """An immutable, hashable mapping of gene names to values, read as attributes."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        merged = {**(values or {}), **more}
        object.__setattr__(self, "_values", dict(sorted(merged.items())))

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "_values")[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no gene {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use replace()")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values == other._values  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self._values.items())))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._values,))

    def replace(self, **changes: Any) -> GeneValues:
        unknown = sorted(set(changes) - set(self._values))
        if unknown:
            raise InvalidGenomeError(f"{type(self).__name__} has no gene(s) {unknown}")
        return type(self)({**self._values, **changes})

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)


class LayerGene(GeneValues):
    """The genes of one block: ``width`` is units (mlp) or channels (cnn); genes of another
    family hold their fallback (None)."""


class TrainGene(GeneValues):
    """How the network is trained; the evaluator turns these names into torch objects."""


class ScalingGene(GeneValues):
    """What scales the whole network: the input resolution (0: the data's own) and the
    factor on every block's channels."""


def scaling_gene(schema: GeneSchema | None = None, **values: Any) -> ScalingGene:
    """Scaling genes from the given values plus the schema's fallbacks (no scaling)."""
    rows = (schema or DEFAULT_SCHEMA).rows(GeneScope.SCALING, "")
    return ScalingGene(_complete(rows, values, "scaling gene"))


def layer_gene(family: str, schema: GeneSchema | None = None, **values: Any) -> LayerGene:
    """A block's genes from the given values plus the schema's fallbacks for the rest."""
    rows = (schema or DEFAULT_SCHEMA).rows(GeneScope.LAYER, family)
    return LayerGene(_complete(rows, values, "layer gene"))


def train_gene(schema: GeneSchema | None = None, **values: Any) -> TrainGene:
    """Training genes from the given values plus the schema's fallbacks for the rest."""
    rows = (schema or DEFAULT_SCHEMA).rows(GeneScope.TRAINING, "")
    return TrainGene(_complete(rows, values, "training gene"))


def _complete(rows: tuple[Gene, ...], values: dict[str, Any], where: str) -> dict[str, Any]:
    names = {g.name for g in rows}
    unknown = sorted(set(values) - names)
    if unknown:
        raise InvalidGenomeError(f"unknown {where}(s) {unknown}; allowed: {sorted(names)}")
    missing = sorted(g.name for g in rows if g.name not in values and g.fallback is REQUIRED)
    if missing:
        raise InvalidGenomeError(f"{where}(s) {missing} must be given")
    return {g.name: values.get(g.name, g.fallback) for g in rows}


@dataclass(frozen=True, slots=True)
class Genome:
    """A candidate network. ``skips`` are (source, target) block indices; 0 is the stem;
    ``scaling`` holds the genes of the whole network (none scale it by default).

    A skip (i, j) adds the output of block i (projected when shapes differ) to the output of
    block j, so 0 <= i < j <= depth.
    """

    family: str
    layers: tuple[LayerGene, ...]
    train: TrainGene
    skips: tuple[tuple[int, int], ...] = ()
    schema_version: int = field(default=SCHEMA_VERSION)
    scaling: ScalingGene = field(default_factory=scaling_gene)

    @property
    def depth(self) -> int:
        return len(self.layers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "layers": [layer.to_dict() for layer in self.layers],
            "train": self.train.to_dict(),
            "skips": [list(s) for s in self.skips],
            "schema_version": self.schema_version,
            "scaling": self.scaling.to_dict(),
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no whitespace, so equal genomes give equal strings."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    def architecture_hash(self, schema: GeneSchema | None = None) -> str:
        """Hash of what decides the network's layers (latency depends on these): the genes
        that shape it, and of the others only whether they are set (a dropout of 0.1 or 0.4
        is the same Dropout layer; none is no layer)."""
        rows = (schema or DEFAULT_SCHEMA).rows(GeneScope.LAYER, self.family)
        arch = {
            "family": self.family,
            "layers": [_shaping_values(rows, layer) for layer in self.layers],
            "scaling": self.scaling.to_dict(),
            "skips": [list(s) for s in self.skips],
        }
        text = json.dumps(arch, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Any, schema: GeneSchema | None = None) -> Genome:
        """Parse a genome dict strictly against ``schema``: unknown or missing fields and
        values of the wrong type are rejected. Genomes of an older ``schema_version`` get
        the fallback of every gene added since."""
        schema = schema or DEFAULT_SCHEMA
        obj = _expect_mapping(data, "genome")
        version = obj.get("schema_version")
        if not _is_int(version) or not 1 <= version <= schema.version:
            raise InvalidGenomeError(
                f"genome.schema_version must be an integer from 1 to {schema.version}; "
                f"got {version!r}"
            )
        fields = {"family", "layers", "train", "skips", "schema_version"}
        _check_fields(obj, fields | ({"scaling"} if version > 1 else set()), "genome")
        family = obj["family"]
        if not isinstance(family, str):
            raise InvalidGenomeError(f"genome.family must be of type str; got {family!r}")
        layers_raw = obj["layers"]
        if not isinstance(layers_raw, list):
            raise InvalidGenomeError(f"genome.layers must be a list; got {layers_raw!r}")
        layer_rows = schema.rows(GeneScope.LAYER, family)
        layers = tuple(
            LayerGene(_parse_genes(layer_rows, item, version, family, f"genome.layers[{i}]"))
            for i, item in enumerate(layers_raw)
        )
        train_rows = schema.rows(GeneScope.TRAINING, family)
        train = TrainGene(_parse_genes(train_rows, obj["train"], version, family, "genome.train"))
        scaling_rows = schema.rows(GeneScope.SCALING, family)
        scaling = ScalingGene(
            _parse_genes(scaling_rows, obj.get("scaling", {}), version, family, "genome.scaling")
        )
        skips = _parse_skips(obj["skips"])
        return cls(family, layers, train, skips, schema.version, scaling)

    @classmethod
    def from_json(cls, text: str, schema: GeneSchema | None = None) -> Genome:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidGenomeError(f"genome JSON is not valid JSON: {exc}") from None
        return cls.from_dict(data, schema)


def _shaping_values(rows: tuple[Gene, ...], layer: LayerGene) -> dict[str, Any]:
    """A block's genes as far as they shape it: those that do as they are, those that only
    say whether a layer exists as a bool, those its block type does not read as None."""
    values: dict[str, Any] = {}
    for gene in rows:
        value = layer.get(gene.name)
        if not gene.shapes(layer):
            value = None
        elif not gene.affects_latency:
            value = bool(value)
        values[gene.name] = value
    return values


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect_mapping(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidGenomeError(f"{where} must be an object; got {type(data).__name__}")
    return data


def _check_fields(obj: dict[str, Any], names: set[str], where: str) -> None:
    unknown = sorted(set(obj) - names)
    if unknown:
        raise InvalidGenomeError(
            f"{where} has unknown field(s) {unknown}; allowed: {sorted(names)}"
        )
    missing = sorted(names - set(obj))
    if missing:
        raise InvalidGenomeError(f"{where} is missing field(s) {missing}")


def _parse_genes(
    rows: tuple[Gene, ...], data: Any, version: int, family: str, where: str
) -> dict[str, Any]:
    obj = _expect_mapping(data, where)
    present = {g.name for g in rows if g.since <= version or g.name in obj}
    _check_fields(obj, present, where)
    values = {}
    for gene in rows:
        if gene.name not in obj:  # added after this genome was written
            implied = gene.implied is not None and family in gene.families
            values[gene.name] = gene.implied if implied else gene.fallback
            continue
        values[gene.name] = _typed_value(gene, obj[gene.name], f"{where}.{gene.name}")
    return values


def _typed_value(gene: Gene, value: Any, where: str) -> Any:
    if value is None and gene.fallback is None:
        return None
    if not gene.check_value_type(value):
        raise InvalidGenomeError(
            f"{where} must be of type {gene.value_type.__name__}; got {value!r}"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidGenomeError(f"{where} must be a finite number; got {value!r}")
    return float(value) if gene.value_type is float else value


def _parse_skips(skips_raw: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(skips_raw, list) or not all(
        isinstance(s, list) and len(s) == 2 and all(_is_int(v) for v in s) for s in skips_raw
    ):
        raise InvalidGenomeError(
            f"genome.skips must be a list of [source, target] integer pairs; got {skips_raw!r}"
        )
    return tuple((int(a), int(b)) for a, b in skips_raw)
