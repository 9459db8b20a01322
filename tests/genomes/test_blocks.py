"""Block types of the cnn family (plain conv, depthwise-separable, inverted residual with
optional squeeze-excitation): parameters and FLOPs from the graph agree with hand counts and
with the built module, the residual appears exactly where shapes allow, and genomes written
before block types existed still read as plain conv blocks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from genomes import (
    Genome,
    GenomeEncoding,
    GraphModule,
    Problem,
    SearchSpace,
    count_flops,
    count_params,
    crossover,
    genome_to_graph,
    mutate,
    sample_genome,
    validate_genome,
)
from genomes.genome import layer_gene, scaling_gene, train_gene

PROBLEM = Problem((4, 8, 8), 3)
TRAIN = train_gene(optimizer="adam", lr=1e-3, batch_size=32, weight_decay=1e-4)


def block(kind: str, width: int, **genes) -> object:
    values = dict(activation="relu", norm="none", kernel_size=3, downsample="none")
    values.update(block=kind, expansion=genes.pop("expansion", 1), se=genes.pop("se", False))
    return layer_gene("cnn", width=width, **{**values, **genes})


def every_block_genome(family: str = "cnn") -> Genome:
    """One network with each block type, squeeze-excitation, kernel 7, a stride and a skip
    (``cnn1d``: the same blocks in one dimension)."""
    layers = (
        block("conv", 8, kernel_size=7, norm="batch"),
        block("dwsep", 8, kernel_size=5, activation="silu"),
        block("mbconv", 8, expansion=3, se=True, norm="batch"),
        block("mbconv", 12, expansion=2, se=True, downsample="stride", norm="layer"),
    )
    layers = tuple(layer_gene(family, **layer) for layer in layers)
    return Genome(family, layers, TRAIN, skips=((1, 3),))


def _counts(genome: Genome) -> tuple[int, int, set[str]]:
    graph = genome_to_graph(genome, PROBLEM)
    module = GraphModule(graph)
    built = sum(p.numel() for p in module.parameters())
    assert count_params(graph) == built, f"graph counts {count_params(graph)}, module {built}"
    return count_params(graph), count_flops(graph), set(graph.nodes)


def test_depthwise_separable_block_matches_a_hand_count() -> None:
    params, flops, _ = _counts(Genome("cnn", (block("dwsep", 6),), TRAIN))
    # depthwise 3x3 on 4 channels: 4*9 weights + 4 biases, 4*9 MACs at each of 64 positions;
    # pointwise 4 -> 6: 24 + 6, 24 MACs per position; head: 6*3 + 3, 18 MACs
    assert params == 40 + 30 + 21
    assert flops == 2 * (4 * 9 * 64 + 24 * 64 + 18)


def test_one_dimensional_blocks_match_a_hand_count() -> None:
    genome = Genome("cnn1d", (layer_gene("cnn1d", **block("dwsep", 4)),), TRAIN)
    graph = genome_to_graph(genome, Problem((2, 16), 3))
    # depthwise 3 on 2 channels: 2*3 + 2, 6 MACs at each of 16 steps; pointwise 2 -> 4: 8 + 4,
    # 8 MACs per step; head 4 -> 3: 12 + 3
    assert count_params(graph) == 8 + 12 + 15
    assert count_flops(graph) == 2 * (6 * 16 + 8 * 16 + 12)
    assert graph.nodes["b1_dw"]["op"] == "Conv1d" and graph.nodes["head_pool"]["shape"] == (4, 1)


def test_inverted_residual_with_squeeze_excitation_matches_a_hand_count() -> None:
    genome = Genome("cnn", (block("mbconv", 4, expansion=2, se=True, norm="batch"),), TRAIN)
    params, flops, nodes = _counts(genome)
    # expand 4 -> 8 (32 + 8) + BN (16); depthwise 8 (72 + 8) + BN (16); SE 8 -> 1 -> 8
    # (8 + 1, 8 + 8); project 8 -> 4 (32 + 4) + BN (8); head 4 -> 3 (12 + 3)
    assert params == 40 + 16 + 80 + 16 + 9 + 16 + 36 + 8 + 15
    assert flops == 2 * (32 * 64 + 72 * 64 + 8 + 8 + 32 * 64 + 12)
    assert "b1_residual" in nodes, "same-shape mbconv block lost its residual"


@pytest.mark.parametrize(
    ("genes", "residual"),
    [
        (dict(expansion=1), True),
        (dict(expansion=4, downsample="stride"), False),
        (dict(expansion=4, width=5), False),
    ],
)
def test_the_residual_appears_where_shapes_allow(genes: dict, residual: bool) -> None:
    genome = Genome("cnn", (block("mbconv", genes.pop("width", 4), **genes),), TRAIN)
    _, _, nodes = _counts(genome)
    assert ("b1_residual" in nodes) is residual, f"{genes}: residual {not residual}"
    assert ("b1_expand" in nodes) is (genes["expansion"] > 1), f"{genes}: expansion conv"


def test_every_block_type_builds_and_trains_a_step() -> None:
    module = GraphModule(genome_to_graph(every_block_genome(), PROBLEM))
    out = module(torch.rand(5, *PROBLEM.input_shape))
    assert out.shape == (5, 3)
    out.sum().backward()
    missing = [n for n, p in module.named_parameters() if p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"


def test_genes_a_block_type_does_not_read_are_settled_and_not_hashed() -> None:
    space = SearchSpace(
        families=("cnn",), blocks=("conv", "dwsep", "mbconv"), expansion=(2, 6), se=(False, True)
    )
    rng = np.random.default_rng(0)
    genomes = [sample_genome(space, PROBLEM, rng) for _ in range(30)]
    genomes += [mutate(g, space, PROBLEM, rng) for g in genomes]
    for genome in genomes:
        for layer in genome.layers:
            if layer.block != "mbconv":
                assert (layer.expansion, layer.se) == (2, False), f"unsettled {layer}"
    a = Genome("cnn", (block("conv", 8, expansion=2),), TRAIN)
    b = Genome("cnn", (block("conv", 8, expansion=6, se=True),), TRAIN)
    assert a.architecture_hash() == b.architecture_hash(), "unread genes changed the hash"


def test_a_cnn_genome_from_before_block_types_reads_as_plain_conv() -> None:
    data = json.loads(Genome("cnn", (block("conv", 8),), TRAIN).to_json())
    for layer in data["layers"]:
        for name in ("block", "expansion", "se"):
            del layer[name]
    del data["scaling"]
    data["schema_version"] = 1
    genome = Genome.from_dict(data)
    layer = genome.layers[0]
    assert (layer.block, layer.expansion, layer.se) == ("conv", 1, False)
    assert genome.scaling == scaling_gene(), "a schema-1 genome is not at its own scale"
    space = SearchSpace(families=("cnn",))  # expansion [3, 6]: the implied 1 is not read
    validate_genome(genome, space, PROBLEM)
    assert GenomeEncoding(space, PROBLEM).encode(genome).shape, "an old genome did not encode"


def test_a_network_opens_with_a_plain_conv_block_where_the_space_offers_one() -> None:
    mobile = SearchSpace(families=("cnn",), depth=(1, 4), blocks=("conv", "dwsep", "mbconv"))
    rng = np.random.default_rng(0)
    genomes = [sample_genome(mobile, PROBLEM, rng) for _ in range(40)]
    genomes += [mutate(g, mobile, PROBLEM, rng) for g in genomes]
    pairs = zip(genomes[:-1], genomes[1:], strict=True)
    genomes += [crossover(a, b, mobile, PROBLEM, rng)[0] for a, b in pairs]
    firsts = {g.layers[0].block for g in genomes}
    later = {layer.block for g in genomes for layer in g.layers[1:]}
    assert firsts == {"conv"}, f"first blocks {firsts}: the stem must be a plain convolution"
    assert later == {"conv", "dwsep", "mbconv"}, f"later blocks draw every type: {later}"
    no_conv = SearchSpace(families=("cnn",), blocks=("dwsep", "mbconv"))
    firsts = {sample_genome(no_conv, PROBLEM, rng).layers[0].block for _ in range(20)}
    assert firsts == {"dwsep", "mbconv"}, "without conv in the space the first block is free"
