"""Checks that a genome lies inside its search space; a genome that fails is never built."""

from __future__ import annotations

from genomes.errors import InvalidGenomeError
from genomes.genome import Genome
from genomes.graph import count_params, genome_to_graph
from genomes.space import Problem, SearchSpace


def validate_genome(genome: Genome, space: SearchSpace, problem: Problem) -> None:
    """Raise ``InvalidGenomeError`` naming the first gene that the space does not allow."""
    _require(genome.family in space.families, "genome.family", genome.family, space.families)
    _require(
        genome.family != "cnn" or problem.is_image,
        "genome.family",
        genome.family,
        "mlp (the data are not images)",
    )
    _require(space.depth.contains(genome.depth), "genome depth", genome.depth, space.depth)
    width_range = space.width if genome.family == "mlp" else space.channels
    for i, layer in enumerate(genome.layers):
        where = f"genome.layers[{i}]"
        _require(width_range.contains(layer.width), f"{where}.width", layer.width, width_range)
        _require(
            layer.activation in space.activations,
            f"{where}.activation",
            layer.activation,
            space.activations,
        )
        _require(layer.norm in space.norms, f"{where}.norm", layer.norm, space.norms)
        _require(
            space.dropout.contains(layer.dropout), f"{where}.dropout", layer.dropout, space.dropout
        )
        if genome.family == "cnn":
            _require(
                layer.kernel_size in space.kernel_sizes,
                f"{where}.kernel_size",
                layer.kernel_size,
                space.kernel_sizes,
            )
            _require(
                layer.downsample in space.downsamples,
                f"{where}.downsample",
                layer.downsample,
                space.downsamples,
            )
        else:
            _require(
                layer.kernel_size is None, f"{where}.kernel_size", layer.kernel_size, "null for mlp"
            )
            _require(
                layer.downsample is None, f"{where}.downsample", layer.downsample, "null for mlp"
            )
    for skip in genome.skips:
        _require(space.skips, "genome.skips", list(genome.skips), "[] (space.skips is off)")
        source, target = skip
        _require(
            0 <= source < target <= genome.depth,
            "genome.skips",
            list(skip),
            f"pairs with 0 <= source < target <= {genome.depth}",
        )
    _require(
        len(set(genome.skips)) == len(genome.skips) and list(genome.skips) == sorted(genome.skips),
        "genome.skips",
        list(genome.skips),
        "sorted pairs without repeats",
    )
    train = genome.train
    _require(
        train.optimizer in space.optimizers,
        "genome.train.optimizer",
        train.optimizer,
        space.optimizers,
    )
    _require(space.lr.contains(train.lr), "genome.train.lr", train.lr, space.lr)
    _require(
        train.batch_size in space.batch_sizes,
        "genome.train.batch_size",
        train.batch_size,
        space.batch_sizes,
    )
    _require(
        space.weight_decay.contains(train.weight_decay),
        "genome.train.weight_decay",
        train.weight_decay,
        space.weight_decay,
    )
    _require(
        train.schedule in space.schedules, "genome.train.schedule", train.schedule, space.schedules
    )
    _require(
        space.warmup_epochs.contains(train.warmup_epochs),
        "genome.train.warmup_epochs",
        train.warmup_epochs,
        space.warmup_epochs,
    )
    _require(
        space.label_smoothing.contains(train.label_smoothing),
        "genome.train.label_smoothing",
        train.label_smoothing,
        space.label_smoothing,
    )
    augment_allowed = space.augment if problem.is_image else (False,)
    _require(
        train.augment in augment_allowed, "genome.train.augment", train.augment, augment_allowed
    )
    _require(
        space.max_epochs.contains(train.max_epochs),
        "genome.train.max_epochs",
        train.max_epochs,
        space.max_epochs,
    )
    check_param_limit(genome, space, problem)


def _require(ok: bool, where: str, value: object, allowed: object) -> None:
    if not ok:
        raise InvalidGenomeError(f"{where} must be within {allowed!r}; got {value!r}")


def check_param_limit(genome: Genome, space: SearchSpace, problem: Problem) -> None:
    """Raise when the network is larger than ``space.max_params``."""
    if space.max_params is None:
        return
    params = count_params(genome_to_graph(genome, problem))
    _require(
        params <= space.max_params,
        "genome parameter count",
        params,
        f"<= {space.max_params} (space.max_params)",
    )
