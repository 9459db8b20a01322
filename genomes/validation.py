"""Checks that a genome lies inside its search space; a genome that fails is never built."""

from __future__ import annotations

from typing import Any

from genomes.errors import InvalidGenomeError
from genomes.genome import GeneValues, Genome
from genomes.graph import count_params, genome_to_graph
from genomes.sampling import applicable, families_for
from genomes.schema import GeneScope
from genomes.space import Problem, SearchSpace


def validate_genome(genome: Genome, space: SearchSpace, problem: Problem) -> None:
    """Raise ``InvalidGenomeError`` naming the first gene that the space does not allow."""
    families = families_for(space, problem)
    _require(genome.family in families, "genome.family", genome.family, families)
    _require(space.depth.contains(genome.depth), "genome depth", genome.depth, space.depth)
    for i, layer in enumerate(genome.layers):
        _check_genes(layer, space, GeneScope.LAYER, genome.family, problem, f"genome.layers[{i}]")
    _check_genes(genome.train, space, GeneScope.TRAINING, genome.family, problem, "genome.train")
    _check_genes(genome.scaling, space, GeneScope.SCALING, genome.family, problem, "genome.scaling")
    _check_skips(genome, space)
    check_param_limit(genome, space, problem)


def _check_genes(
    values: GeneValues,
    space: SearchSpace,
    scope: GeneScope,
    family: str,
    problem: Problem,
    where: str,
) -> None:
    rows = applicable(space, scope, family, problem)
    names = {gene.name for gene, _ in rows}
    _require(set(values) == names, f"{where} genes", sorted(values), sorted(names))
    for gene, applies in rows:
        value = values[gene.name]
        if applies and not gene.shapes(values):
            continue  # unread by this block type: any value builds the same network
        if applies:
            domain = space.domain(gene)
            _require(domain.contains(value), f"{where}.{gene.name}", value, domain.describe())
        else:
            reason = f"{gene.fallback!r} (it does not apply to {family} on this data)"
            _require(_same(value, gene.fallback), f"{where}.{gene.name}", value, reason)


def _check_skips(genome: Genome, space: SearchSpace) -> None:
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


def _same(value: Any, expected: Any) -> bool:
    return value == expected and type(value) is type(expected)


def _require(ok: bool, where: str, value: object, allowed: object) -> None:
    if not ok:
        raise InvalidGenomeError(f"{where} must be within {allowed}; got {value!r}")


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
