"""Repair: bring any genome back inside its space and the user's limits."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from genomes.errors import InvalidGenomeError
from genomes.genome import GeneValues, Genome, LayerGene, ScalingGene, TrainGene
from genomes.graph import count_params, genome_to_graph
from genomes.sampling import (
    applicable,
    choose,
    families_for,
    sample_layer,
    settle_unused,
    with_stem,
)
from genomes.schema import GeneScope
from genomes.space import Problem, SearchSpace


def repair(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Clip numbers, resample disallowed choices, fix depth and skips, then shrink to the
    parameter limit. Raises ``InvalidGenomeError`` only when no network fits ``max_params``."""
    families = families_for(space, problem)
    family = genome.family if genome.family in families else choose(rng, families)
    layers = [
        LayerGene(_repair_genes(g, space, GeneScope.LAYER, family, problem, rng))
        for g in genome.layers[: space.depth.high]
    ]
    while len(layers) < space.depth.low:
        layers.append(sample_layer(space, family, problem, rng))
    layers = list(with_stem(space, family, problem, tuple(layers)))
    train = TrainGene(_repair_genes(genome.train, space, GeneScope.TRAINING, family, problem, rng))
    scaling = ScalingGene(
        _repair_genes(genome.scaling, space, GeneScope.SCALING, family, problem, rng)
    )
    skips = _repair_skips(genome.skips, space, len(layers))
    repaired = Genome(family, tuple(layers), train, skips, space.schema.version, scaling)
    return _fit_param_limit(repaired, space, problem)


def _repair_genes(
    values: GeneValues,
    space: SearchSpace,
    scope: GeneScope,
    family: str,
    problem: Problem,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Per gene: the nearest allowed value (a fresh draw where the gene was missing)."""
    repaired = {}
    for gene, applies in applicable(space, scope, family, problem):
        domain = space.domain(gene)
        if not applies:
            repaired[gene.name] = gene.fallback
        elif values.get(gene.name) is None:
            repaired[gene.name] = domain.sample(rng)
        else:
            repaired[gene.name] = domain.nearest(values[gene.name], rng)
    return settle_unused(space, scope, family, problem, repaired)


def _narrower_multiplier(genome: Genome, space: SearchSpace, problem: Problem) -> float | None:
    """The next smaller width multiplier of the space, where the genome has one to lower."""
    gene = next(
        (g for g, applies in applicable(space, GeneScope.SCALING, genome.family, problem)
         if applies and g.name == "width_multiplier"),
        None,
    )  # fmt: skip
    if gene is None:
        return None
    current = genome.scaling.width_multiplier
    smaller = [m for m in space.domain(gene).ranked() if m < current]
    return smaller[-1] if smaller else None


def _repair_skips(skips: tuple, space: SearchSpace, depth: int) -> tuple:
    if not space.skips:
        return ()
    return tuple(sorted({(s, t) for s, t in skips if 0 <= s < t <= depth}))


def _fit_param_limit(genome: Genome, space: SearchSpace, problem: Problem) -> Genome:
    """Take the next smaller width multiplier, else halve the widest layer, else drop the
    last one, until the network fits ``max_params``."""
    if space.max_params is None:
        return genome
    width_gene = next(
        g for g in space.schema.rows(GeneScope.LAYER, genome.family) if g.name == "width"
    )
    width_range = space.domain(width_gene)
    while count_params(genome_to_graph(genome, problem)) > space.max_params:
        narrower = _narrower_multiplier(genome, space, problem)
        if narrower is not None:
            scaling = genome.scaling.replace(width_multiplier=narrower)
            genome = dataclasses.replace(genome, scaling=scaling)
            continue
        layers = list(genome.layers)
        widest = max(range(len(layers)), key=lambda i: layers[i].width)
        if layers[widest].width > width_range.low:
            layers[widest] = layers[widest].replace(
                width=width_range.nearest(layers[widest].width // 2, rng=None)
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
