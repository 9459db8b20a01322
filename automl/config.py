"""The YAML config: parsed by pydantic with unknown keys forbidden, then turned at once into the
core dataclasses. Every error names the file, the key path, the rule and the value given."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from automl.atomic import atomic_path
from automl.config_file import read_config_file
from automl.data import READERS
from automl.errors import ConfigError
from evaluators import (
    EvaluationSettings,
    LatencySettings,
    TrainSettings,
    import_optional,
    onnx_missing,
)
from genomes import DEFAULT_SCHEMA, GeneSchema, SearchSpace, SearchSpaceError
from search import (
    INITIAL_DESIGNS,
    OBJECTIVES,
    STRATEGIES,
    Constraints,
    GuidedSettings,
    PruningSettings,
    SearchSettings,
)

T = TypeVar("T")


def _as_list(value: Any) -> Any:
    """A scalar in the YAML stands for a one-element list: a fixed value or a single choice."""
    return value if isinstance(value, list) else [value]


Bounds = Annotated[list[T], BeforeValidator(_as_list), Field(min_length=1, max_length=2)]
"""``[low, high]``, or one value that fixes the gene."""
Choices = Annotated[list[T], BeforeValidator(_as_list), Field(min_length=1)]
"""A list of choices, or one value that fixes the gene."""

DEVICE_PATTERN = r"^(cpu|cuda:\d+)$"


def _registered(registry: Any) -> AfterValidator:
    """A name of ``registry`` (its names are the YAML vocabulary)."""

    def check(value: str) -> str:
        if value not in registry:
            raise ValueError(f"must be one of {list(registry.names())}")
        return value

    return AfterValidator(check)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class DatasetConfig(_Section):
    name: Annotated[str, _registered(READERS)] = "digits"
    root: str | None = None
    path: str | None = None
    label_column: str = "label"
    download: bool = False
    image_size: int = Field(32, ge=4, le=1024)
    layout: Literal["auto", "table", "image", "signal"] = "auto"
    channels: int | None = Field(None, ge=1)
    """Signals from N x F tables: the channel count (``layout: signal`` only)."""

    @model_validator(mode="after")
    def _channels_need_signals(self) -> DatasetConfig:
        if self.channels is not None and self.layout != "signal":
            raise ValueError(
                f"`dataset.channels` is read only with `dataset.layout: signal`; got layout "
                f"{self.layout!r}"
            )
        return self

    val_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    seed: int = 0


def space_section(schema: GeneSchema) -> type[BaseModel]:
    """The ``space:`` section for a gene schema: per gene its key, ``[low, high]`` (or one
    value) for ranges and a list (or one value) for choices, defaulting to the schema's
    default; plus the structural ``skips`` switch and the ``max_params`` limit."""
    fields: dict[str, Any] = {}
    for gene in schema:
        kind = Bounds if gene.numeric else Choices
        annotation = kind[gene.value_type]  # type: ignore[index]
        fields[gene.key] = (annotation, Field(list(gene.default), description=gene.help))
    fields["skips"] = (bool, Field(False, description="residual skips between blocks"))
    fields["max_params"] = (int | None, Field(None, ge=1))
    return create_model("SpaceConfig", __base__=_Section, **fields)


SpaceConfig = space_section(DEFAULT_SCHEMA)


class PruningConfig(_Section):
    enabled: bool = True
    min_epochs: int = Field(1, ge=1)
    eta: int = Field(3, ge=2)
    min_correlation: float = Field(0.7, ge=-1.0, le=1.0)
    """A rung prunes only while its accuracy ranks trials as their final accuracy does."""
    min_pairs: int = Field(6, ge=3)
    """Finished trials past a rung before it may prune."""
    rule: Literal["asha", "front"] = "front"
    gain_quantile: float = Field(0.9, gt=0.0, le=1.0)


class GuidedConfig(_Section):
    """``search.guided``: the guided strategy's knobs (``search.GuidedSettings``)."""

    candidates: int = Field(64, ge=2, le=4096)
    startup: int = Field(10, ge=2)
    exploration: float = Field(0.2, ge=0.0, le=1.0)
    reference: Literal["run", "nadir"] = "nadir"
    local: float = Field(0.0, ge=0.0, le=1.0)
    surrogate: Literal["forest", "gp"] = "forest"


class SearchConfig(_Section):
    population: int = Field(16, ge=2)
    evaluations: int = Field(64, ge=1)
    seed: int = 0
    mode: Literal["async", "generational"] = "async"
    strategy: Annotated[str, _registered(STRATEGIES)] = "guided"
    initial: Annotated[str, _registered(INITIAL_DESIGNS)] = "random"
    """The initial design of the strategies that have one: random or sobol."""
    max_seconds: float | None = Field(None, gt=0)
    """Wall-time budget of this session: no trial starts after it."""
    pruning: PruningConfig = PruningConfig()
    guided: GuidedConfig = GuidedConfig()
    crossover_probability: float = Field(0.9, ge=0.0, le=1.0)
    warm_start: list[str] = []
    """Run directories of earlier searches on the same data whose trials seed this one."""


class ConstraintsConfig(_Section):
    max_latency_ms: float | None = Field(None, gt=0)
    max_params: int | None = Field(None, ge=1)
    max_flops: int | None = Field(None, ge=1)
    max_size_kb: float | None = Field(None, ge=0.001)
    """Kilobytes (1,000 bytes) of the exported float32 weights, as the ``size`` objective
    counts them; at least one byte."""

    def limits(self) -> Constraints:
        size = None if self.max_size_kb is None else max(1, round(self.max_size_kb * 1000))
        return Constraints(
            max_latency_ms=self.max_latency_ms,
            max_params=self.max_params,
            max_flops=self.max_flops,
            max_weight_bytes=size,
        )


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
    runtime: Literal["eager", "exported", "onnxruntime"] = "eager"
    """Where candidates are timed: eager PyTorch, the ``torch.export`` program, or the ONNX
    model in ONNX Runtime (CPU only; needs the onnx extra)."""

    @model_validator(mode="after")
    def _runtime_available(self) -> LatencyConfig:
        if self.runtime == "onnxruntime":
            if self.device != "cpu":
                raise ValueError(
                    f"runtime onnxruntime times on the CPU; device must be cpu, not {self.device}"
                )
            missing = onnx_missing()
            if missing:
                raise ValueError(
                    f"runtime onnxruntime needs {', '.join(missing)}: "
                    "pip install 'automl-evo[onnx]'"
                )
        return self


Objective = Literal["accuracy", "latency", "params", "flops", "size"]
"""``size``: bytes of the exported float32 weights (parameters and the statistics inference
reads)."""


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

    gene_schema: ClassVar[GeneSchema] = DEFAULT_SCHEMA

    def search_space(self) -> SearchSpace:
        space = self.space
        domains = {gene.key: getattr(space, gene.key) for gene in self.gene_schema}
        return SearchSpace(
            self.gene_schema, skips=space.skips, max_params=space.max_params, **domains
        )

    def search_settings(self) -> SearchSettings:
        return SearchSettings(
            population=self.search.population,
            evaluations=self.search.evaluations,
            seed=self.search.seed,
            objectives=tuple(self.objectives),
            constraints=self.constraints.limits(),
            crossover_probability=self.search.crossover_probability,
            strategy=self.search.strategy,
            mode=self.search.mode,
            initial=self.search.initial,
            guided=GuidedSettings(**self.search.guided.model_dump()),
            max_seconds=self.search.max_seconds,
        )

    def pruning_settings(self) -> PruningSettings:
        p = self.search.pruning
        return PruningSettings(
            p.enabled, p.min_epochs, p.eta, p.min_correlation, p.min_pairs, p.rule, p.gain_quantile
        )

    def evaluation_settings(self, device: str = "cpu") -> EvaluationSettings:
        e, lat = self.evaluator, self.latency
        return EvaluationSettings(
            train=TrainSettings(e.max_epochs, e.patience, e.min_delta, device, e.mixed_precision),
            latency=LatencySettings(
                lat.device,
                lat.batch_size,
                lat.threads,
                lat.warmup_calls,
                lat.blocks,
                runtime=lat.runtime,
            ),
            memory_limit_mb=e.worker_memory_mb,
        )


@functools.cache
def config_class(schema: GeneSchema) -> type[Config]:
    """The config model whose ``space:`` section is that of ``schema``."""
    if schema is DEFAULT_SCHEMA:
        return Config
    section = space_section(schema)
    model = create_model("Config", __base__=Config, space=(section, section()))
    model.gene_schema = schema
    return model


def load_config(
    path: str | os.PathLike[str],
    overrides: dict[str, Any] | None = None,
    schema: GeneSchema | None = None,
) -> Config:
    """Read, merge CLI ``overrides`` (dotted key -> value) over the file, and validate
    against the config model of ``schema`` (the default gene schema if None)."""
    raw = read_config_file(path)
    for dotted, value in (overrides or {}).items():
        set_dotted(raw, dotted, value)
    return validate_config(raw, str(path), schema)


def validate_config(raw: dict[str, Any], source: str, schema: GeneSchema | None = None) -> Config:
    """A config from a mapping (the YAML's, or a dict given in Python); errors start with
    ``source`` and name the key, the rule and the value."""
    model = config_class(schema or DEFAULT_SCHEMA)
    try:
        config = model.model_validate(raw)
        config.search_space()
        _check_extras(config)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc, model)}") from None
    except SearchSpaceError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return config


def _check_extras(config: Config) -> None:
    """Options that do not fit together, or whose optional dependency is missing, fail here,
    before anything is written."""
    objectives = config.objectives
    if config.search.strategy == "guided" and (
        len(objectives) != 2 or "accuracy" not in objectives
    ):
        raise SearchSpaceError(
            "`search.strategy`: 'guided' screens children on two objectives, accuracy and one "
            f"of {', '.join(n for n in OBJECTIVES.names() if n != 'accuracy')}; "
            f"got objectives {objectives} (use nsga2 for more)"
        )
    if config.search.strategy == "tpe":
        try:
            import_optional("optuna", "tpe")
        except ImportError:
            raise SearchSpaceError(
                "`search.strategy`: 'tpe' needs Optuna, which is not installed; "
                "install the extra: pip install 'automl-evo[tpe]'"
            ) from None


def write_config(config: Config, path: Path) -> None:
    """Write the resolved config (file merged with CLI flags and defaults), atomically."""
    data = config.model_dump(mode="json")
    with atomic_path(path) as partial:
        partial.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``raw["a"]["b"] = value`` for ``dotted`` = ``a.b``, making the sections needed."""
    *parents, leaf = dotted.split(".")
    node = raw
    for key in parents:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[leaf] = value


def _describe(exc: ValidationError, model: type[Config]) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, error["loc"][:-1])
        return f"unknown key `{key}`; allowed keys here: {', '.join(allowed)}{more}"
    text = error["msg"].removeprefix("Value error, ")
    message = text[0].lower() + text[1:]
    return f"`{key}`: {message}; got {error.get('input')!r}{_gene_rule(model, error['loc'])}{more}"


def _gene_rule(model: type[Config], loc: tuple[Any, ...]) -> str:
    """For a gene of ``space:``, what it accepts."""
    if len(loc) < 2 or loc[0] != "space" or loc[1] not in model.gene_schema.keys():
        return ""
    gene = model.gene_schema.gene(str(loc[1]))
    kind = gene.value_type.__name__
    if gene.numeric:
        return f"; allowed: [low, high] or one value, {kind} numbers"
    choices = list(gene.choices) if gene.choices is not None else f"{kind} values"
    return f"; allowed: a list of (or one of) {choices}"


def _allowed_keys(model: type[BaseModel], parent: tuple[Any, ...]) -> list[str]:
    for part in parent:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)
