"""The genome: architecture genes plus training genes, immutable, with a canonical JSON form."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from genomes.errors import InvalidGenomeError

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class LayerGene:
    """One block. ``width`` is units (mlp) or channels (cnn); cnn-only genes are None for mlp."""

    width: int
    activation: str
    norm: str = "none"
    dropout: float = 0.0
    kernel_size: int | None = None
    downsample: str | None = None


@dataclass(frozen=True, slots=True)
class TrainGene:
    """How the network is trained; the evaluator turns these names into torch objects."""

    optimizer: str
    lr: float
    batch_size: int
    weight_decay: float
    schedule: str = "constant"
    warmup_epochs: int = 0
    label_smoothing: float = 0.0
    augment: bool = False
    max_epochs: int = 30


@dataclass(frozen=True, slots=True)
class Genome:
    """A candidate network. ``skips`` are (source, target) block indices; 0 is the stem.

    A skip (i, j) adds the output of block i (projected when shapes differ) to the output of
    block j, so 0 <= i < j <= depth.
    """

    family: str
    layers: tuple[LayerGene, ...]
    train: TrainGene
    skips: tuple[tuple[int, int], ...] = ()
    schema_version: int = field(default=SCHEMA_VERSION)

    @property
    def depth(self) -> int:
        return len(self.layers)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skips"] = [list(s) for s in self.skips]
        return data

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no whitespace, so equal genomes give equal strings."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    def architecture_hash(self) -> str:
        """Hash of the genes that decide the shape of the network (latency depends on these)."""
        arch = {
            "family": self.family,
            "layers": [asdict(g) for g in self.layers],
            "skips": [list(s) for s in self.skips],
        }
        for layer in arch["layers"]:
            layer.pop("dropout")
        text = json.dumps(arch, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Any) -> Genome:
        """Parse a genome dict strictly: unknown or missing fields and wrong types are rejected."""
        obj = _expect_mapping(data, "genome")
        _check_fields(obj, cls, "genome")
        version = obj["schema_version"]
        if not _is_int(version) or version != SCHEMA_VERSION:
            raise InvalidGenomeError(
                f"genome.schema_version must be {SCHEMA_VERSION}; got {version!r}"
            )
        layers_raw = obj["layers"]
        if not isinstance(layers_raw, list):
            raise InvalidGenomeError(f"genome.layers must be a list; got {layers_raw!r}")
        layers = tuple(
            _parse_dataclass(LayerGene, item, f"genome.layers[{i}]")
            for i, item in enumerate(layers_raw)
        )
        skips_raw = obj["skips"]
        if not isinstance(skips_raw, list) or not all(
            isinstance(s, list) and len(s) == 2 and all(_is_int(v) for v in s) for s in skips_raw
        ):
            raise InvalidGenomeError(
                f"genome.skips must be a list of [source, target] integer pairs; got {skips_raw!r}"
            )
        return cls(
            family=_typed(obj["family"], str, "genome.family"),
            layers=layers,
            train=_parse_dataclass(TrainGene, obj["train"], "genome.train"),
            skips=tuple((int(a), int(b)) for a, b in skips_raw),
            schema_version=version,
        )

    @classmethod
    def from_json(cls, text: str) -> Genome:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidGenomeError(f"genome JSON is not valid JSON: {exc}") from None
        return cls.from_dict(data)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect_mapping(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidGenomeError(f"{where} must be an object; got {type(data).__name__}")
    return data


def _check_fields(obj: dict[str, Any], cls: type, where: str) -> None:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(obj) - names)
    if unknown:
        raise InvalidGenomeError(
            f"{where} has unknown field(s) {unknown}; allowed: {sorted(names)}"
        )
    missing = sorted(names - set(obj))
    if missing:
        raise InvalidGenomeError(f"{where} is missing field(s) {missing}")


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "int | None": (int, type(None)),
    "str | None": (str, type(None)),
}


def _typed(value: Any, expected: type, where: str) -> Any:
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise InvalidGenomeError(f"{where} must be of type {expected.__name__}; got {value!r}")
    return value


def _parse_dataclass(cls: type, data: Any, where: str) -> Any:
    obj = _expect_mapping(data, where)
    _check_fields(obj, cls, where)
    values = {}
    for f in fields(cls):
        value = obj[f.name]
        allowed = _FIELD_TYPES[str(f.type)]
        is_bool = isinstance(value, bool)
        if not isinstance(value, allowed) or (is_bool and bool not in allowed):
            raise InvalidGenomeError(f"{where}.{f.name} must be {f.type}; got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidGenomeError(f"{where}.{f.name} must be a finite number; got {value!r}")
        values[f.name] = float(value) if str(f.type) == "float" else value
    return cls(**values)
