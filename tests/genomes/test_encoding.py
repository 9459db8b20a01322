"""The numeric encoding: fixed length, in [0, 1], exact on its round trip, the same in every
process, and decoding any point of the cube gives a genome of the space."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from genomes import GenomeEncoding, Problem, sample_genome, validate_genome
from tests.cli import fresh_python
from tests.genomes.test_operators import SMALL_SPACE

IMAGE = Problem((1, 8, 8), 10)
ENCODING = GenomeEncoding(SMALL_SPACE, IMAGE)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_round_trip_is_exact_for_genomes_of_the_space(seed: int) -> None:
    genome = sample_genome(SMALL_SPACE, IMAGE, np.random.default_rng(seed))
    x = ENCODING.encode(genome)
    assert x.shape == (ENCODING.size,) and np.all((x >= 0) & (x <= 1)), x
    assert ENCODING.decode(x) == genome, "decode(encode(genome)) changed the genome"


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.floats(1e-4, 1e-1),
    st.floats(1e-6, 1e-2),
    st.floats(0.0, 0.5),
)
def test_round_trip_of_any_continuous_value_is_exact_to_rounding(seed, lr, decay, dropout) -> None:
    genome = sample_genome(SMALL_SPACE, IMAGE, np.random.default_rng(seed))
    genome = type(genome)(
        genome.family,
        tuple(layer.replace(dropout=dropout) for layer in genome.layers),
        genome.train.replace(lr=lr, weight_decay=decay),
        genome.skips,
    )
    again = ENCODING.decode(ENCODING.encode(genome))
    pairs = [(again.train.lr, lr), (again.train.weight_decay, decay)]
    pairs += [(layer.dropout, dropout) for layer in again.layers]
    for got, want in pairs:
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15), (got, want)
    assert again.train.replace(lr=lr, weight_decay=decay) == genome.train


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_any_point_of_the_cube_decodes_to_a_genome_of_the_space(seed: int) -> None:
    x = np.random.default_rng(seed).random(ENCODING.size)
    validate_genome(ENCODING.decode(x), SMALL_SPACE, IMAGE)


def test_encoding_is_the_same_in_a_fresh_interpreter() -> None:
    genome = sample_genome(SMALL_SPACE, IMAGE, np.random.default_rng(11))
    code = (
        "import sys; from genomes import Genome, GenomeEncoding, Problem;"
        "from tests.genomes.test_operators import SMALL_SPACE;"
        "e = GenomeEncoding(SMALL_SPACE, Problem((1, 8, 8), 10));"
        "print(e.encode(Genome.from_json(sys.stdin.read())).tobytes().hex());"
        "print('|'.join(c.label for c in e.columns))"
    )
    out = fresh_python(code, genome.to_json()).split("\n")
    assert out[0] == ENCODING.encode(genome).tobytes().hex(), "encoding differs in a new process"
    assert out[1] == "|".join(c.label for c in ENCODING.columns), "columns differ"
