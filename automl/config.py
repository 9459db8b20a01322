"""The YAML config: parsed by pydantic with unknown keys forbidden, then turned at once into the
core dataclasses. Every error names the file, the key path, the rule and the value given."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from automl.data import READERS
from automl.errors import ConfigError
from evaluators import EvaluationSettings, LatencySettings, TrainSettings
from genomes import FloatRange, IntRange, SearchSpace, SearchSpaceError
from search import Constraints, PruningSettings, SearchSettings

T = TypeVar("T")


def _as_list(value: Any) -> Any:
    """A scalar in the YAML stands for a one-element list: a fixed value or a single choice."""
    return value if isinstance(value, list) else [value]


Bounds = Annotated[list[T], BeforeValidator(_as_list), Field(min_length=1, max_length=2)]
"""``[low, high]``, or one value that fixes the gene."""
Choices = Annotated[list[T], BeforeValidator(_as_list), Field(min_length=1)]
"""A list of choices, or one value that fixes the gene."""

DEVICE_PATTERN = r"^(cpu|cuda:\d+)$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class DatasetConfig(_Section):
    name: str = "digits"
    root: str | None = None
    path: str | None = None
    label_column: str = "label"
    download: bool = False
    image_size: int = Field(32, ge=4, le=1024)
    val_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    seed: int = 0

    @field_validator("name")
    @classmethod
    def _known_dataset(cls, value: str) -> str:
        if value not in READERS:
            raise ValueError(f"must be one of {list(READERS.names())}")
        return value


class SpaceConfig(_Section):
    """Each gene: ``[low, high]`` or a fixed number for ranges, a list or one value for choices."""

    families: Choices[Literal["mlp", "cnn"]] = ["mlp"]
    depth: Bounds[int] = [1, 4]
    width: Bounds[int] = [16, 256]
    channels: Bounds[int] = [8, 64]
    activations: Choices[str] = ["relu", "gelu", "silu", "tanh"]
    norms: Choices[str] = ["none"]
    dropout: Bounds[float] = [0.0, 0.5]
    kernel_sizes: Choices[int] = [3]
    downsamples: Choices[str] = ["none", "pool"]
    skips: bool = False
    optimizers: Choices[str] = ["sgd", "adam", "adamw"]
    lr: Bounds[float] = [1.0e-4, 1.0e-1]
    schedules: Choices[str] = ["constant"]
    warmup_epochs: Bounds[int] = [0]
    batch_sizes: Choices[int] = [16, 32, 64, 128]
    weight_decay: Bounds[float] = [1.0e-6, 1.0e-2]
    label_smoothing: Bounds[float] = [0.0]
    augment: Choices[bool] = [False]
    max_epochs: Bounds[int] = [30]
    max_params: int | None = Field(None, ge=1)


class PruningConfig(_Section):
    enabled: bool = True
    min_epochs: int = Field(1, ge=1)
    eta: int = Field(3, ge=2)


class SearchConfig(_Section):
    population: int = Field(16, ge=2)
    evaluations: int = Field(64, ge=1)
    seed: int = 0
    mode: Literal["async", "generational"] = "async"
    strategy: Literal["nsga2", "random"] = "nsga2"
    max_seconds: float | None = Field(None, gt=0)
    """Wall-time budget of this session: no trial starts after it."""
    pruning: PruningConfig = PruningConfig()
    crossover_probability: float = Field(0.9, ge=0.0, le=1.0)


class ConstraintsConfig(_Section):
    max_latency_ms: float | None = Field(None, gt=0)
    max_params: int | None = Field(None, ge=1)
    max_flops: int | None = Field(None, ge=1)


class EvaluatorConfig(_Section):
    backend: Literal["local", "ray"] = "local"
    address: str | None = None
    """Ray only: ``auto`` or a cluster address; none starts a local Ray inside the run."""
    devices: Choices[str] = ["auto"]
    workers_per_device: int = Field(1, ge=1, le=64)
    workers: int | None = Field(None, ge=1, le=256)
    max_epochs: int = Field(30, ge=1)
    patience: int = Field(4, ge=1)
    min_delta: float = Field(0.0, ge=0.0)
    trial_timeout_s: float | None = Field(None, gt=0)
    mixed_precision: bool = False
    worker_memory_mb: int | None = Field(None, ge=512)
    """Each worker's private memory cap; a trial past it fails as out of memory."""
    keep_weights: Literal["front", "all"] = "front"
    """Whose weights the run directory keeps after the search: the front's, or every trained
    trial's (for exporting any of them, or benchmarks that score every trial)."""

    @field_validator("devices")
    @classmethod
    def _known_devices(cls, value: list[str]) -> list[str]:
        if value != ["auto"] and not all(re.match(DEVICE_PATTERN, d) for d in value):
            raise ValueError("must be 'auto' or a list of 'cpu' and 'cuda:N' entries")
        return value


class LatencyConfig(_Section):
    device: str = Field("cpu", pattern=DEVICE_PATTERN)
    batch_size: int = Field(1, ge=1)
    threads: int = Field(1, ge=1)
    warmup_calls: int = Field(100, ge=1)
    blocks: int = Field(25, ge=3)
    reference: bool = True


Objective = Literal["accuracy", "latency", "params", "flops"]


class Config(_Section):
    dataset: DatasetConfig = DatasetConfig()
    space: SpaceConfig = SpaceConfig()
    search: SearchConfig = SearchConfig()
    objectives: list[Objective] = Field(["accuracy", "latency"], min_length=2, max_length=4)
    constraints: ConstraintsConfig = ConstraintsConfig()
    evaluator: EvaluatorConfig = EvaluatorConfig()
    latency: LatencyConfig = LatencyConfig()
    output: str = "runs/run"

    @field_validator("objectives")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("objectives must not repeat")
        return value

    def search_space(self) -> SearchSpace:
        s = self.space
        return SearchSpace(
            families=_choices(s.families),
            depth=_int_range(s.depth),
            width=_int_range(s.width, log=True),
            channels=_int_range(s.channels, log=True),
            activations=_choices(s.activations),
            norms=_choices(s.norms),
            dropout=_float_range(s.dropout),
            kernel_sizes=_choices(s.kernel_sizes),
            downsamples=_choices(s.downsamples),
            skips=s.skips,
            optimizers=_choices(s.optimizers),
            lr=_float_range(s.lr, log=True),
            schedules=_choices(s.schedules),
            warmup_epochs=_int_range(s.warmup_epochs),
            batch_sizes=_choices(s.batch_sizes),
            weight_decay=_float_range(s.weight_decay, log=True),
            label_smoothing=_float_range(s.label_smoothing),
            augment=_choices(s.augment),
            max_epochs=_int_range(s.max_epochs),
            max_params=s.max_params,
        )

    def search_settings(self) -> SearchSettings:
        c = self.constraints
        return SearchSettings(
            population=self.search.population,
            evaluations=self.search.evaluations,
            seed=self.search.seed,
            objectives=tuple(self.objectives),
            constraints=Constraints(c.max_latency_ms, c.max_params, c.max_flops),
            crossover_probability=self.search.crossover_probability,
            strategy=self.search.strategy,
            mode=self.search.mode,
            max_seconds=self.search.max_seconds,
        )

    def pruning_settings(self) -> PruningSettings:
        p = self.search.pruning
        return PruningSettings(p.enabled, p.min_epochs, p.eta)

    def evaluation_settings(self, device: str = "cpu") -> EvaluationSettings:
        e, lat = self.evaluator, self.latency
        return EvaluationSettings(
            train=TrainSettings(e.max_epochs, e.patience, e.min_delta, device, e.mixed_precision),
            latency=LatencySettings(
                lat.device, lat.batch_size, lat.threads, lat.warmup_calls, lat.blocks
            ),
            memory_limit_mb=e.worker_memory_mb,
        )


def load_config(path: str | os.PathLike[str], overrides: dict[str, Any] | None = None) -> Config:
    """Read, merge CLI ``overrides`` (dotted key -> value) over the file, and validate."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: YAML syntax error{where}: {problem}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text") from None
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of sections; got {type(raw).__name__}"
        )
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    try:
        config = Config.model_validate(raw)
        config.search_space()
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    except SearchSpaceError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return config


def write_config(config: Config, path: Path) -> None:
    """Write the resolved config (file merged with CLI flags and defaults)."""
    data = config.model_dump(mode="json")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for key in parents:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[leaf] = value


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(error["loc"][:-1])
        return f"unknown key `{key}`; allowed keys here: {', '.join(allowed)}{more}"
    text = error["msg"].removeprefix("Value error, ")
    message = text[0].lower() + text[1:]
    return f"`{key}`: {message}; got {error.get('input')!r}{more}"


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Config
    for part in parent:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)


def _choices(value: list[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _int_range(value: list[int], log: bool = False) -> IntRange:
    low, high = value[0], value[-1]
    return IntRange(low, high, log=log and low != high)


def _float_range(value: list[float], log: bool = False) -> FloatRange:
    low, high = float(value[0]), float(value[-1])
    return FloatRange(low, high, log=log and low != high)
