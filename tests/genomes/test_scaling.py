"""Genes that scale the whole network: the input resolution (the network resamples the
images as its first step, so it takes the data's own size) and the width multiplier (every
block's channels); a resolution the data cannot give is refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from genomes import (
    Genome,
    GenomeEncoding,
    GraphModule,
    Problem,
    SearchSpace,
    SearchSpaceError,
    count_flops,
    genome_to_graph,
    mutate,
    repair,
    sample_genome,
    validate_genome,
)
from tests.genomes.test_blocks import every_block_genome

PROBLEM = Problem((4, 16, 16), 3)
SPACE = SearchSpace(
    families=("mlp", "cnn"),
    blocks=("conv", "dwsep", "mbconv"),
    resolution=(8, 12, 16),
    width_multipliers=(0.5, 1.0, 1.5),
)


def _scaled(**genes) -> Genome:
    genome = every_block_genome()
    return dataclasses.replace(genome, scaling=genome.scaling.replace(**genes))


def test_resolution_resamples_first_and_the_network_takes_native_inputs() -> None:
    native, reduced = (genome_to_graph(_scaled(resolution=r), PROBLEM) for r in (0, 8))
    assert "resize" not in native and reduced.nodes["resize"]["shape"] == (4, 8, 8)
    assert count_flops(reduced) < count_flops(native) / 3, "a quarter of the pixels, same work"
    out = GraphModule(reduced)(torch.rand(2, *PROBLEM.input_shape))
    assert out.shape == (2, 3)


def test_width_multiplier_scales_every_block() -> None:
    base, wide = (genome_to_graph(_scaled(width_multiplier=m), PROBLEM) for m in (1.0, 1.5))
    for node in ("b1_conv", "b2_pw", "b4_project"):
        channels = base.nodes[node]["shape"][0], wide.nodes[node]["shape"][0]
        assert channels[1] == round(channels[0] * 1.5), f"{node}: {channels}"


def test_scaling_genes_are_sampled_mutated_encoded_and_valid() -> None:
    rng = np.random.default_rng(0)
    encoding = GenomeEncoding(SPACE, PROBLEM)
    seen, moved = set(), 0
    for _ in range(60):
        genome = sample_genome(SPACE, PROBLEM, rng)
        child = mutate(genome, SPACE, PROBLEM, rng)
        for g in (genome, child):
            validate_genome(g, SPACE, PROBLEM)
            assert encoding.decode(encoding.encode(g)) == g, f"round trip lost {g.scaling}"
        seen.add((genome.family, genome.scaling.resolution, genome.scaling.width_multiplier))
        moved += child.scaling != genome.scaling
    assert {r for _, r, _ in seen} == {8, 12, 16}, f"resolutions sampled: {seen}"
    assert all(m == 1.0 for family, _, m in seen if family == "mlp"), "mlp got a multiplier"
    assert moved > 0, "60 mutations never moved a scaling gene"


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (
            Problem((4, 12, 12), 3),
            r"space.resolution has 16, larger than .*\(12x12\); allowed: sides up to 12",
        ),
        (Problem((30,), 3), r"space.resolution is \[8, 12, 16\], but this dataset has no images"),
        (Problem((4, 16, 16), 3), r"lists both 0 and 16, the images' own size twice"),
    ],
)
def test_a_resolution_the_data_cannot_give_is_refused(problem: Problem, message: str) -> None:
    sides = (0, 8, 16) if problem.input_shape[1:] == (16, 16) else (8, 12, 16)
    space = SearchSpace(families=("mlp",), resolution=sides)
    with pytest.raises(SearchSpaceError, match=message):
        space.check_problem(problem)


def test_a_parameter_limit_takes_a_narrower_multiplier_before_giving_up() -> None:
    space = SearchSpace(
        families=("cnn",), depth=(1, 2), channels=(8, 16), width_multipliers=(1.0, 4.0),
        max_params=500,
    )  # fmt: skip
    problem, rng = Problem((1, 8, 8), 10), np.random.default_rng(0)
    for _ in range(30):
        genome = repair(sample_genome(space, problem, rng), space, problem, rng)
        validate_genome(genome, space, problem)  # within max_params, at multiplier 1.0
