from __future__ import annotations

import random

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from genomes import (
    FloatRange,
    IntRange,
    Problem,
    SearchSpace,
    VariationOperators,
    count_params,
    count_weight_bytes,
    crossover,
    genome_to_graph,
    mutate,
    sample_genome,
    validate_genome,
)
from genomes.build import GraphModule
from genomes.graph import count_flops

SHAPES = [(30,), (1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 24)]
"""A table, three image sizes and a signal (3 channels of 24 steps)."""
SMALL_SPACE = SearchSpace(
    families=("mlp", "cnn", "cnn1d"),
    depth=IntRange(1, 5),
    width=IntRange(4, 32, log=True),
    channels=IntRange(2, 12, log=True),
    activations=("relu", "gelu", "silu", "tanh", "leaky_relu", "elu"),
    norms=("none", "batch", "layer"),
    dropout=FloatRange(0.0, 0.5),
    kernel_sizes=(3, 5, 7),
    downsamples=("none", "stride", "pool"),
    blocks=("conv", "dwsep", "mbconv"),
    expansion=(1, 2, 4),
    se=(False, True),
    resolution=(0, 6),
    width_multipliers=(0.5, 1.0),
    skips=True,
    optimizers=("sgd", "adam", "adamw", "rmsprop"),
    schedules=("constant", "cosine", "step", "onecycle"),
    warmup_epochs=IntRange(0, 2),
    label_smoothing=FloatRange(0.0, 0.2),
    augment=(False, True),
    max_epochs=IntRange(1, 20),
)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from(SHAPES))
def test_sampled_mutated_crossed_genomes_are_valid_and_build(seed, shape) -> None:
    rng = np.random.default_rng(seed)
    problem = Problem(shape, 7)
    a = sample_genome(SMALL_SPACE, problem, rng)
    b = mutate(a, SMALL_SPACE, problem, rng)
    c, d = crossover(a, sample_genome(SMALL_SPACE, problem, rng), SMALL_SPACE, problem, rng)
    for genome in (a, b, c, d):
        validate_genome(genome, SMALL_SPACE, problem)
        graph = genome_to_graph(genome, problem)
        module = GraphModule(graph).eval()
        with torch.no_grad():
            out = module(torch.rand(2, *shape))
        assert out.shape == (2, 7), f"{genome} gave output shape {tuple(out.shape)}"
        built = sum(p.numel() for p in module.parameters())
        assert built == count_params(graph), f"graph says {count_params(graph)}, module {built}"
        stored = sum(
            t.numel() * t.element_size()
            for name, t in module.state_dict().items()
            if not name.endswith("num_batches_tracked")  # read only in training
        )
        assert count_weight_bytes(graph) == stored, (
            f"graph says {count_weight_bytes(graph)} weight bytes, the state dict holds {stored}"
        )


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), limit=st.integers(2_000, 50_000))
def test_repair_keeps_children_under_the_parameter_limit(seed, limit) -> None:
    rng = np.random.default_rng(seed)
    space = SearchSpace(depth=IntRange(1, 4), width=IntRange(4, 256), max_params=limit)
    problem = Problem((30,), 5)
    genome = sample_genome(space, problem, rng)
    for _ in range(3):
        genome = mutate(genome, space, problem, rng)
        assert count_params(genome_to_graph(genome, problem)) <= limit
        validate_genome(genome, space, problem)


def test_operators_are_seeded_and_leave_python_random_alone() -> None:
    problem = Problem((1, 8, 8), 10)

    def run(seed: int) -> list[str]:
        rng = np.random.default_rng(seed)
        operators = VariationOperators(SMALL_SPACE, problem)
        parents = [operators.sample(rng) for _ in range(4)]
        children = [
            operators.mutate(operators.mate(parents[i], parents[i + 1], rng)[0], rng)
            for i in range(3)
        ]
        return [genome.hash() for genome in parents + children]

    random.seed(123)
    before = random.getstate()
    assert run(5) == run(5), "same seed gave different genomes"
    assert run(5) != run(6)
    assert random.getstate() == before, "the DEAP operators changed Python's global random state"


def test_a_swapped_toolbox_operator_is_used() -> None:
    problem = Problem((30,), 3)
    operators = VariationOperators(SearchSpace(), problem)
    parent = operators.sample(np.random.default_rng(0))
    operators.toolbox.register("mutate", lambda genome, rng: genome)
    assert operators.mutate(parent, np.random.default_rng(1)) is parent


def test_flops_match_a_hand_count() -> None:
    from genomes import Genome, layer_gene, train_gene

    train = train_gene(optimizer="adam", lr=1e-3, batch_size=32, weight_decay=1e-4)
    mlp = Genome("mlp", (_mlp(16, "relu"), _mlp(8, "tanh")), train)
    # 64 -> 16 -> 8 -> 10: 2 * (64*16 + 16*8 + 8*10)
    assert count_flops(genome_to_graph(mlp, Problem((1, 8, 8), 10))) == 2 * (1024 + 128 + 80)
    assert count_params(genome_to_graph(mlp, Problem((1, 8, 8), 10))) == (
        64 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10
    )
    cnn_layer = layer_gene("cnn", width=4, activation="relu", kernel_size=3, downsample="stride")
    cnn = Genome("cnn", (cnn_layer,), train)
    # conv 1->4, k3, stride 2 on 8x8 -> 4x4 output: 1*4*9*16 MACs; head 4 -> 10
    assert count_flops(genome_to_graph(cnn, Problem((1, 8, 8), 10))) == 2 * (4 * 9 * 16 + 40)
    residual = Genome("mlp", (_mlp(16, "relu"), _mlp(8, "relu")), train, skips=((1, 2),))
    # the skip needs a 16 -> 8 projection without bias: 128 more MACs and parameters
    graph = genome_to_graph(residual, Problem((30,), 2))
    assert count_flops(graph) == 2 * (30 * 16 + 16 * 8 + 16 * 8 + 8 * 2)


def _mlp(width: int, activation: str):  # noqa: ANN202
    from genomes import layer_gene

    return layer_gene("mlp", width=width, activation=activation)
