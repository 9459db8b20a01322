"""One gene added to the schema flows through config validation, sampling, mutation, JSON,
the encoding and gene importance with no other edit; genomes written before it still parse."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from automl import ConfigError, load_config
from automl.report.importance import gene_importance
from automl.run.store import TrialRecord
from evaluators import TrialStatus
from genomes import (
    DEFAULT_SCHEMA,
    FloatRange,
    Gene,
    GeneKind,
    GeneScope,
    Genome,
    GenomeEncoding,
    InvalidGenomeError,
    Problem,
    SearchSpace,
    mutate,
    sample_genome,
    validate_genome,
)

MOMENTUM = Gene(
    "momentum",
    GeneKind.FLOAT,
    GeneScope.TRAINING,
    "momentum",
    (0.8, 0.99),
    minimum=0.0,
    maximum=1.0,
    fallback=0.9,
    affects_latency=False,
    since=3,
)
SCHEMA = DEFAULT_SCHEMA.extended(MOMENTUM, version=3)
PROBLEM = Problem((1, 8, 8), 10)


@pytest.fixture
def space(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text("space: {families: [mlp, cnn], momentum: [0.5, 0.9]}\n")
    return load_config(config, schema=SCHEMA).search_space()


def test_config_takes_the_new_key_with_its_default_and_checks(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("space: {families: [mlp]}\n")
    default = load_config(config, schema=SCHEMA).search_space()
    assert default.momentum == FloatRange(0.8, 0.99), "the schema's default was not applied"
    config.write_text("space: {momentum: [0.5, fast]}\n")
    with pytest.raises(ConfigError, match=r"`space.momentum.1`.*'fast'.*allowed: \[low, high\]"):
        load_config(config, schema=SCHEMA)
    config.write_text("space: {momentum: [0.5, 1.5]}\n")
    with pytest.raises(ConfigError, match=r"space.momentum must lie within >= 0 and <= 1"):
        load_config(config, schema=SCHEMA)
    config.write_text("space: {momentum: [0.5, 0.9]}\n")
    with pytest.raises(ConfigError, match=r"unknown key `space.momentum`"):
        load_config(config)  # the default schema has no such gene


def test_sampling_and_mutation_move_the_new_gene_inside_its_range(space) -> None:
    rng = np.random.default_rng(0)
    genomes = [sample_genome(space, PROBLEM, rng) for _ in range(50)]
    assert all(0.5 <= g.train.momentum <= 0.9 for g in genomes)
    changed = 0
    for genome in genomes:
        child = mutate(genome, space, PROBLEM, rng)
        validate_genome(child, space, PROBLEM)
        changed += child.train.momentum != genome.train.momentum
    assert changed > 0, "50 mutations never moved the new gene"


def test_json_round_trip_and_genomes_from_before_the_gene(space) -> None:
    genome = sample_genome(space, PROBLEM, np.random.default_rng(1))
    assert Genome.from_json(genome.to_json(), SCHEMA) == genome
    old = json.loads(
        sample_genome(
            SearchSpace(families=("mlp", "cnn")), PROBLEM, np.random.default_rng(2)
        ).to_json()
    )
    assert old["schema_version"] == 2 and "momentum" not in old["train"]
    migrated = Genome.from_dict(old, SCHEMA)
    assert migrated.train.momentum == 0.9, "a version-2 genome did not get the fallback"
    assert migrated.schema_version == 3
    with pytest.raises(InvalidGenomeError, match="schema_version"):
        Genome.from_json(genome.to_json())  # a version-3 genome is too new for the default


def test_encoding_and_importance_see_the_new_gene(space) -> None:
    encoding = GenomeEncoding(space, PROBLEM)
    assert any(column.gene == "momentum" for column in encoding.columns)
    rng = np.random.default_rng(3)
    genomes = [sample_genome(space, PROBLEM, rng) for _ in range(40)]
    for genome in genomes:
        assert encoding.decode(encoding.encode(genome)) == genome
    records = [
        TrialRecord(
            trial_id=i,
            status=TrialStatus.COMPLETE,
            genome=g.to_json(),
            genome_hash=g.hash(),
            val_accuracy=g.train.momentum,  # accuracy driven by the new gene alone
            test_accuracy=None,
            latency_ms=1.0 + g.depth,
            latency_spread=0.0,
            params=1,
            flops=1,
            epochs=1,
            seconds=1.0,
            curve="[]",
            error=None,
            worker=0,
            started_at=time.time(),
            finished_at=time.time(),
        )
        for i, g in enumerate(genomes)
    ]
    importance = gene_importance(records, space, PROBLEM)
    assert importance is not None
    top = max(importance.accuracy, key=importance.accuracy.get)
    assert top == "momentum", f"importance ranks {top} first: {importance.accuracy}"
