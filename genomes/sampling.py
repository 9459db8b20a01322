"""Seeded sampling of genes from a search space, gene by gene in schema order."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from genomes.genome import Genome, LayerGene, ScalingGene, TrainGene
from genomes.schema import Gene, GeneScope
from genomes.space import Choices, Problem, SearchSpace

SKIP_PROBABILITY = 0.3
"""Chance that a block after the first gets a skip from an earlier output."""


def choose(rng: np.random.Generator, values: Sequence[Any]) -> Any:
    """One element of ``values``; returns the element itself, never a numpy scalar."""
    return values[int(rng.integers(len(values)))]


def families_for(space: SearchSpace, problem: Problem) -> tuple[str, ...]:
    return tuple(f for f in space.families if problem.takes(f))


@functools.lru_cache(maxsize=256)
def applicable(
    space: SearchSpace, scope: GeneScope, family: str, problem: Problem
) -> tuple[tuple[Gene, bool], ...]:
    """Each gene row of ``scope`` for this family, and whether it applies (else it holds its
    fallback)."""
    return tuple(
        (gene, gene.applies(family, problem.is_image)) for gene in space.schema.rows(scope, family)
    )


def sample_layer(
    space: SearchSpace, family: str, problem: Problem, rng: np.random.Generator
) -> LayerGene:
    return LayerGene(_sample(space, GeneScope.LAYER, family, problem, rng))


def sample_train(
    space: SearchSpace, family: str, problem: Problem, rng: np.random.Generator
) -> TrainGene:
    return TrainGene(_sample(space, GeneScope.TRAINING, family, problem, rng))


def _sample(
    space: SearchSpace, scope: GeneScope, family: str, problem: Problem, rng: np.random.Generator
) -> dict[str, Any]:
    values = {
        gene.name: space.domain(gene).sample(rng) if applies else gene.fallback
        for gene, applies in applicable(space, scope, family, problem)
    }
    return settle_unused(space, scope, family, problem, values)


def settle_unused(
    space: SearchSpace, scope: GeneScope, family: str, problem: Problem, values: dict[str, Any]
) -> dict[str, Any]:
    """Give each gene that the block's type does not read (an mbconv expansion in a conv
    block) the first of its choices in rank order (the smallest, for numbers), so that one
    network has one genome."""
    for gene in _read_by_some_blocks(space, scope, family, problem):
        if not gene.shapes(values):
            domain = space.domain(gene)
            values[gene.name] = domain.ranked()[0] if isinstance(domain, Choices) else domain.low
    return values


@functools.lru_cache(maxsize=256)
def _read_by_some_blocks(
    space: SearchSpace, scope: GeneScope, family: str, problem: Problem
) -> tuple[Gene, ...]:
    """The applying genes of ``scope`` that only some block types read."""
    return tuple(
        gene
        for gene, applies in applicable(space, scope, family, problem)
        if applies and gene.used_by is not None
    )


STEM_BLOCK = "conv"


@functools.lru_cache(maxsize=256)  # asked at every mutation, sample and repair
def stem_applies(space: SearchSpace, family: str, problem: Problem) -> bool:
    """Whether a network of ``family`` opens with a plain ``conv`` block, as MobileNet and
    EfficientNet do: where the space offers ``conv`` beside other block types. A depthwise
    first block filters each input channel alone, one filter per channel: a bottleneck on
    images of one to three channels."""
    gene = next(
        (g for g, applies in applicable(space, GeneScope.LAYER, family, problem)
         if applies and g.name == "block"),
        None,
    )  # fmt: skip
    if gene is None:
        return False
    domain = space.domain(gene)
    return STEM_BLOCK in domain and not domain.fixed


def with_stem(
    space: SearchSpace, family: str, problem: Problem, layers: tuple[LayerGene, ...]
) -> tuple[LayerGene, ...]:
    """``layers`` with the first block made the stem where ``stem_applies``."""
    if not layers or not stem_applies(space, family, problem):
        return layers
    first = {**layers[0], "block": STEM_BLOCK}
    return (LayerGene(settle_unused(space, GeneScope.LAYER, family, problem, first)), *layers[1:])


def sample_skips(space: SearchSpace, depth: int, rng: np.random.Generator) -> tuple:
    """Each block after the first gets a skip from an earlier output with probability 0.3."""
    if not space.skips:
        return ()
    skips = [
        (int(rng.integers(0, target)), target)
        for target in range(2, depth + 1)
        if rng.random() < SKIP_PROBABILITY
    ]
    return tuple(sorted(set(skips)))


def sample_genome(space: SearchSpace, problem: Problem, rng: np.random.Generator) -> Genome:
    family = choose(rng, families_for(space, problem))
    depth = space.depth.sample(rng)
    layers = tuple(sample_layer(space, family, problem, rng) for _ in range(depth))
    return Genome(
        family=family,
        layers=with_stem(space, family, problem, layers),
        train=sample_train(space, family, problem, rng),
        skips=sample_skips(space, depth, rng),
        schema_version=space.schema.version,
        scaling=ScalingGene(_sample(space, GeneScope.SCALING, family, problem, rng)),
    )
