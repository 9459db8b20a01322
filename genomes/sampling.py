"""Seeded sampling of genes from a search space."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from genomes.genome import Genome, LayerGene, TrainGene
from genomes.space import Problem, SearchSpace


def choose(rng: np.random.Generator, values: Sequence[Any]) -> Any:
    """One element of ``values``; returns the element itself, never a numpy scalar."""
    return values[int(rng.integers(len(values)))]


def families_for(space: SearchSpace, problem: Problem) -> tuple[str, ...]:
    return tuple(f for f in space.families if f == "mlp" or problem.is_image)


def sample_layer(space: SearchSpace, family: str, rng: np.random.Generator) -> LayerGene:
    width_range = space.width if family == "mlp" else space.channels
    return LayerGene(
        width=width_range.sample(rng),
        activation=choose(rng, space.activations),
        norm=choose(rng, space.norms),
        dropout=space.dropout.sample(rng),
        kernel_size=choose(rng, space.kernel_sizes) if family == "cnn" else None,
        downsample=choose(rng, space.downsamples) if family == "cnn" else None,
    )


def sample_train(space: SearchSpace, problem: Problem, rng: np.random.Generator) -> TrainGene:
    return TrainGene(
        optimizer=choose(rng, space.optimizers),
        lr=space.lr.sample(rng),
        batch_size=choose(rng, space.batch_sizes),
        weight_decay=space.weight_decay.sample(rng),
        schedule=choose(rng, space.schedules),
        warmup_epochs=space.warmup_epochs.sample(rng),
        label_smoothing=space.label_smoothing.sample(rng),
        augment=choose(rng, space.augment) if problem.is_image else False,
        max_epochs=space.max_epochs.sample(rng),
    )


def sample_skips(space: SearchSpace, depth: int, rng: np.random.Generator) -> tuple:
    """Each block after the first gets a skip from an earlier output with probability 0.3."""
    if not space.skips:
        return ()
    skips = [
        (int(rng.integers(0, target)), target)
        for target in range(2, depth + 1)
        if rng.random() < 0.3
    ]
    return tuple(sorted(set(skips)))


def sample_genome(space: SearchSpace, problem: Problem, rng: np.random.Generator) -> Genome:
    family = choose(rng, families_for(space, problem))
    depth = space.depth.sample(rng)
    return Genome(
        family=family,
        layers=tuple(sample_layer(space, family, rng) for _ in range(depth)),
        train=sample_train(space, problem, rng),
        skips=sample_skips(space, depth, rng),
    )
