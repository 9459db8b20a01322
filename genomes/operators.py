"""Variation operators, table-driven from the gene schema, and the per-search DEAP toolbox.

DEAP supplies the numeric operators: ``tools.mutPolynomialBounded`` moves an int or float gene
on its unit scale (log for log genes) and ``tools.cxUniform`` mixes the training genes of two
parents. Those functions draw from Python's global ``random``; every call here seeds it from
the search's ``numpy.random.Generator`` and restores the previous state after, so operators are
reproducible per trial and leak nothing between searches. Structural moves (a block inserted or
removed, the family switched, a skip toggled) and one-point crossover of the block lists,
whose lengths differ, are our own.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from deap import base, tools

from genomes.genome import GeneValues, Genome
from genomes.repair import repair
from genomes.sampling import (
    applicable,
    choose,
    families_for,
    sample_genome,
    sample_layer,
    stem_applies,
)
from genomes.schema import Gene, GeneKind, GeneScope
from genomes.space import Choices, Domain, Problem, SearchSpace

Move = Callable[[Genome, np.random.Generator], Genome]


@contextmanager
def seeded_python_random(rng: np.random.Generator) -> Iterator[None]:
    """Run DEAP operators on a ``random`` state drawn from ``rng``; restore it after."""
    saved = random.getstate()
    random.seed(int(rng.integers(2**63)))
    try:
        yield
    finally:
        random.setstate(saved)


def mutate_value(gene: Gene, domain: Domain, value: Any, rng: np.random.Generator) -> Any:
    """A new value of one gene: a polynomial step on its unit scale for numbers (an int moves
    at least one step), a neighbouring rank for ordered choices, another choice otherwise."""
    if isinstance(domain, Choices):
        ranked = domain.ranked()
        if domain.ordered and value in domain:
            position = ranked.index(value) + choose(rng, (-1, 1))
            return ranked[min(max(position, 0), len(ranked) - 1)]
        others = [v for v in domain.values if not (v == value and type(v) is type(value))]
        return choose(rng, others or list(domain.values))
    with seeded_python_random(rng):
        (unit,) = tools.mutPolynomialBounded(
            [domain.to_unit(value)], eta=gene.mutation_eta, low=0.0, up=1.0, indpb=1.0
        )[0]
    new = domain.from_unit(unit)
    if gene.kind is GeneKind.INT and new == value:
        new = domain.nearest(value + choose(rng, (-1, 1)), rng)
    return new


def mutate(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """One mutation at a site drawn uniformly among the genes that vary (a scaling gene, a
    layer gene of one block whose type reads it, a training gene) and the structural moves,
    then repair."""
    move = choose(rng, _sites(genome, space, problem))
    return repair(move(genome, rng), space, problem, rng)


def _sites(genome: Genome, space: SearchSpace, problem: Problem) -> list[Move]:
    stem = stem_applies(space, genome.family, problem)
    sites: list[Move] = [
        _gene_move(space, gene, scope, stem)
        for scope in (GeneScope.SCALING, GeneScope.LAYER, GeneScope.TRAINING)
        for gene, applies in applicable(space, scope, genome.family, problem)
        if applies
        and not space.domain(gene).fixed
        and (scope is not GeneScope.LAYER or _readers(genome, gene, stem))
    ]
    if len(families_for(space, problem)) > 1:
        sites.append(lambda g, rng: _switch_family(g, space, problem, rng))
    if genome.depth < space.depth.high:
        sites.append(lambda g, rng: _insert_layer(g, space, problem, rng))
    if genome.depth > space.depth.low:
        sites.append(_remove_layer)
    if space.skips and genome.depth >= 1:
        sites.append(_toggle_skip)
    return sites or [lambda g, rng: sample_genome(space, problem, rng)]


_GENOME_WIDE = {GeneScope.TRAINING: "train", GeneScope.SCALING: "scaling"}
"""The genome's field holding the genes of each scope with one value per genome."""


def _gene_move(space: SearchSpace, gene: Gene, scope: GeneScope, stem: bool) -> Move:
    domain = space.domain(gene)

    def move(genome: Genome, rng: np.random.Generator) -> Genome:
        if scope is not GeneScope.LAYER:
            field = _GENOME_WIDE[scope]
            values = getattr(genome, field)
            value = mutate_value(gene, domain, values[gene.name], rng)
            return dataclasses.replace(genome, **{field: values.replace(**{gene.name: value})})
        index = choose(rng, _readers(genome, gene, stem))
        layer = genome.layers[index]
        value = mutate_value(gene, domain, layer[gene.name], rng)
        layers = list(genome.layers)
        layers[index] = layer.replace(**{gene.name: value})
        return dataclasses.replace(genome, layers=tuple(layers))

    return move


def _readers(genome: Genome, gene: Gene, stem: bool) -> list[int]:
    """The blocks whose type reads this layer gene (every block for most genes), less the
    stem's block type where the network has a stem."""
    first = 1 if stem and gene.name == "block" else 0
    return [i for i, layer in enumerate(genome.layers) if i >= first and gene.shapes(layer)]


def crossover(
    a: Genome, b: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> tuple[Genome, Genome]:
    """One-point crossover of the block lists (same family) plus uniform crossover of the
    training and scaling genes; parents of different families exchange those only."""
    train_a, train_b = _uniform(a.train, b.train, rng)
    scaling_a, scaling_b = _uniform(a.scaling, b.scaling, rng)
    if a.family == b.family:
        cut_a = int(rng.integers(0, a.depth + 1))
        cut_b = int(rng.integers(0, b.depth + 1))
        layers_a = a.layers[:cut_a] + b.layers[cut_b:]
        layers_b = b.layers[:cut_b] + a.layers[cut_a:]
    else:
        layers_a, layers_b = a.layers, b.layers
    child_a = dataclasses.replace(a, layers=layers_a, train=train_a, scaling=scaling_a)
    child_b = dataclasses.replace(b, layers=layers_b, train=train_b, scaling=scaling_b)
    return repair(child_a, space, problem, rng), repair(child_b, space, problem, rng)


def _uniform(a: GeneValues, b: GeneValues, rng: np.random.Generator) -> tuple[Any, Any]:
    """Each gene from either parent with even odds (equal parents draw nothing)."""
    if a == b:
        return a, b
    names = sorted(a)
    left, right = [a[n] for n in names], [b[n] for n in names]
    with seeded_python_random(rng):
        tools.cxUniform(left, right, indpb=0.5)
    return type(a)(dict(zip(names, left, strict=True))), type(b)(
        dict(zip(names, right, strict=True))
    )


def _switch_family(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Another family; its blocks are sampled afresh, the training genes kept."""
    family = choose(rng, [f for f in families_for(space, problem) if f != genome.family])
    layers = tuple(sample_layer(space, family, problem, rng) for _ in genome.layers)
    return dataclasses.replace(genome, family=family, layers=layers)


def _insert_layer(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    position = int(rng.integers(0, genome.depth + 1))
    layers = list(genome.layers)
    layers.insert(position, sample_layer(space, genome.family, problem, rng))
    skips = tuple((s + (s > position), t + (t > position)) for s, t in genome.skips)
    return dataclasses.replace(genome, layers=tuple(layers), skips=skips)


def _remove_layer(genome: Genome, rng: np.random.Generator) -> Genome:
    block = int(rng.integers(1, genome.depth + 1))
    layers = genome.layers[: block - 1] + genome.layers[block:]
    skips = tuple(
        (s - (s > block), t - (t > block)) for s, t in genome.skips if block not in (s, t)
    )
    return dataclasses.replace(genome, layers=layers, skips=skips)


def _toggle_skip(genome: Genome, rng: np.random.Generator) -> Genome:
    if genome.skips and rng.random() < 0.5:
        drop = int(rng.integers(len(genome.skips)))
        return dataclasses.replace(genome, skips=genome.skips[:drop] + genome.skips[drop + 1 :])
    target = int(rng.integers(1, genome.depth + 1))
    source = int(rng.integers(0, target))
    return dataclasses.replace(genome, skips=(*genome.skips, (source, target)))


class VariationOperators:
    """The operators of one search, registered in a DEAP toolbox (so one can be swapped with
    ``operators.toolbox.register("mutate", fn)``) behind typed methods."""

    def __init__(self, space: SearchSpace, problem: Problem) -> None:
        self.space = space
        self.problem = problem
        self.toolbox = base.Toolbox()
        self.toolbox.register("sample", sample_genome, space, problem)
        self.toolbox.register("mate", crossover, space=space, problem=problem)
        self.toolbox.register("mutate", mutate, space=space, problem=problem)
        self.toolbox.register("repair", repair, space=space, problem=problem)

    def sample(self, rng: np.random.Generator) -> Genome:
        return self.toolbox.sample(rng)

    def mate(self, a: Genome, b: Genome, rng: np.random.Generator) -> tuple[Genome, Genome]:
        return self.toolbox.mate(a, b, rng=rng)

    def mutate(self, genome: Genome, rng: np.random.Generator) -> Genome:
        return self.toolbox.mutate(genome, rng=rng)

    def repair(self, genome: Genome, rng: np.random.Generator) -> Genome:
        return self.toolbox.repair(genome, rng=rng)
