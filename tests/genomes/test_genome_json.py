from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genomes import (
    Genome,
    InvalidGenomeError,
    Problem,
    SearchSpace,
    sample_genome,
    validate_genome,
)
from tests.cli import fresh_python

FULL_SPACE = SearchSpace(
    families=("mlp", "cnn"),
    depth=SearchSpace().depth,
    norms=("none", "batch", "layer"),
    activations=("relu", "gelu", "silu", "tanh", "leaky_relu", "elu"),
    kernel_sizes=(3, 5),
    downsamples=("none", "stride", "pool"),
    skips=True,
    optimizers=("sgd", "adam", "adamw", "rmsprop"),
    schedules=("constant", "cosine", "step", "onecycle"),
    augment=(False, True),
)
IMAGE = Problem((1, 8, 8), 10)


def _genome(seed: int) -> Genome:
    return sample_genome(FULL_SPACE, IMAGE, np.random.default_rng(seed))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_json_round_trip_is_exact(seed: int) -> None:
    genome = _genome(seed)
    again = Genome.from_json(genome.to_json())
    assert again == genome, f"round trip changed the genome:\n{genome}\n{again}"
    assert again.hash() == genome.hash()


def test_hash_is_stable_across_processes() -> None:
    genome = _genome(7)
    code = (
        "import sys; from genomes import Genome; print(Genome.from_json(sys.stdin.read()).hash())"
    )
    out = fresh_python(code, genome.to_json())
    assert out.strip() == genome.hash(), "hash differs in a fresh interpreter"


def test_same_seed_gives_same_genomes() -> None:
    first = [sample_genome(FULL_SPACE, IMAGE, np.random.default_rng(3)) for _ in range(5)]
    second = [sample_genome(FULL_SPACE, IMAGE, np.random.default_rng(3)) for _ in range(5)]
    assert first == second


@pytest.mark.parametrize(
    "mutation, message",
    [
        (lambda d: d.update(extra=1), "unknown field"),
        (lambda d: d["train"].update(code="__import__('os')"), "unknown field"),
        (lambda d: d["layers"][0].update(width="64; import os"), "width"),
        (lambda d: d.pop("train"), "missing"),
        (lambda d: d.update(schema_version=99), "schema_version"),
        (lambda d: d.update(schema_version=True), "schema_version"),
        (lambda d: d["train"].update(lr=float("nan")), "finite"),
        (lambda d: d["layers"][0].update(dropout=float("inf")), "finite"),
        (lambda d: d["train"].update(batch_size=True), "batch_size"),
        (lambda d: d["layers"][0].update(activation="__import__('os').system('x')"), "activation"),
    ],
)
def test_bad_genome_json_is_rejected(mutation, message) -> None:
    data = json.loads(_genome(1).to_json())
    mutation(data)
    with pytest.raises(InvalidGenomeError, match=message):
        genome = Genome.from_dict(data)
        validate_genome(genome, FULL_SPACE, IMAGE)


def test_genome_outside_space_is_rejected() -> None:
    genome = _genome(2)
    narrow = SearchSpace(
        families=(genome.family,),
        optimizers=("rmsprop",) if genome.train.optimizer != "rmsprop" else ("sgd",),
        depth=FULL_SPACE.depth,
        norms=FULL_SPACE.norms,
        activations=FULL_SPACE.activations,
        kernel_sizes=(3, 5),
        downsamples=FULL_SPACE.downsamples,
        skips=True,
        schedules=FULL_SPACE.schedules,
        augment=(False, True),
    )
    with pytest.raises(InvalidGenomeError, match="optimizer"):
        validate_genome(genome, narrow, IMAGE)
