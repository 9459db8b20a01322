"""Repair: bring any genome back inside its space and the user's limits."""

from __future__ import annotations

import dataclasses

import numpy as np

from genomes.errors import InvalidGenomeError
from genomes.genome import Genome, LayerGene, TrainGene
from genomes.graph import count_params, genome_to_graph
from genomes.sampling import choose, families_for, sample_layer
from genomes.space import Problem, SearchSpace


def repair(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Clip numbers, resample disallowed choices, fix depth and skips, then shrink to the
    parameter limit. Raises ``InvalidGenomeError`` only when no network fits ``max_params``."""
    families = families_for(space, problem)
    family = genome.family if genome.family in families else choose(rng, families)
    layers = [_repair_layer(g, space, family, rng) for g in genome.layers[: space.depth.high]]
    while len(layers) < space.depth.low:
        layers.append(sample_layer(space, family, rng))
    skips = _repair_skips(genome.skips, space, len(layers))
    repaired = Genome(
        family, tuple(layers), _repair_train(genome.train, space, problem, rng), skips
    )
    return _fit_param_limit(repaired, space, problem)


def _repair_layer(
    gene: LayerGene, space: SearchSpace, family: str, rng: np.random.Generator
) -> LayerGene:
    width_range = space.width if family == "mlp" else space.channels
    cnn = family == "cnn"
    return LayerGene(
        width=width_range.clip(gene.width),
        activation=_keep(gene.activation, space.activations, rng),
        norm=_keep(gene.norm, space.norms, rng),
        dropout=space.dropout.clip(gene.dropout),
        kernel_size=_keep(gene.kernel_size, space.kernel_sizes, rng) if cnn else None,
        downsample=_keep(gene.downsample, space.downsamples, rng) if cnn else None,
    )


def _repair_train(
    gene: TrainGene, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> TrainGene:
    return TrainGene(
        optimizer=_keep(gene.optimizer, space.optimizers, rng),
        lr=space.lr.clip(gene.lr),
        batch_size=_keep(gene.batch_size, space.batch_sizes, rng),
        weight_decay=space.weight_decay.clip(gene.weight_decay),
        schedule=_keep(gene.schedule, space.schedules, rng),
        warmup_epochs=space.warmup_epochs.clip(gene.warmup_epochs),
        label_smoothing=space.label_smoothing.clip(gene.label_smoothing),
        augment=_keep(gene.augment, space.augment, rng) if problem.is_image else False,
        max_epochs=space.max_epochs.clip(gene.max_epochs),
    )


def _keep(value, allowed, rng):  # noqa: ANN001, ANN202 - generic over gene types
    return value if value in allowed else choose(rng, allowed)


def _repair_skips(skips: tuple, space: SearchSpace, depth: int) -> tuple:
    if not space.skips:
        return ()
    return tuple(sorted({(s, t) for s, t in skips if 0 <= s < t <= depth}))


def _fit_param_limit(genome: Genome, space: SearchSpace, problem: Problem) -> Genome:
    """Halve the widest layer (or drop the last one) until the network fits ``max_params``."""
    if space.max_params is None:
        return genome
    width_range = space.width if genome.family == "mlp" else space.channels
    while count_params(genome_to_graph(genome, problem)) > space.max_params:
        layers = list(genome.layers)
        widest = max(range(len(layers)), key=lambda i: layers[i].width)
        if layers[widest].width > width_range.low:
            layers[widest] = dataclasses.replace(
                layers[widest], width=width_range.clip(layers[widest].width // 2)
            )
        elif len(layers) > space.depth.low:
            layers.pop()
        else:
            raise InvalidGenomeError(
                f"no network of this family fits space.max_params={space.max_params}; "
                "raise the limit or lower space.depth / space.width"
            )
        genome = dataclasses.replace(
            genome, layers=tuple(layers), skips=_repair_skips(genome.skips, space, len(layers))
        )
    return genome
