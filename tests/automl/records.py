"""Trial records made up for tests of what reads them (fronts, picks, figures), without a
search."""

from __future__ import annotations

import numpy as np

from automl.run.store import TrialRecord
from evaluators import TrialStatus
from genomes import sample_genome
from search import SYNTHETIC_PROBLEM, SYNTHETIC_SPACE


def trial_record(
    trial_id: int,
    val_accuracy: float,
    latency_ms: float,
    params: int,
    flops: int = 1000,
    test_accuracy: float | None = None,
    weight_bytes: int | None = None,
) -> TrialRecord:
    """A COMPLETE trial of a sampled genome with the given metrics; its weights take four
    bytes per parameter unless ``weight_bytes`` says otherwise."""
    genome = sample_genome(SYNTHETIC_SPACE, SYNTHETIC_PROBLEM, np.random.default_rng(trial_id))
    return TrialRecord(
        trial_id=trial_id,
        status=TrialStatus.COMPLETE,
        genome=genome.to_json(),
        genome_hash=genome.hash(),
        val_accuracy=val_accuracy,
        test_accuracy=test_accuracy,
        latency_ms=latency_ms,
        latency_spread=0.0,
        params=params,
        flops=flops,
        epochs=1,
        seconds=1.0,
        curve=f"[{val_accuracy}]",
        error=None,
        worker=0,
        started_at=100.0 + trial_id,
        finished_at=101.0 + trial_id,
        weight_bytes=4 * params if weight_bytes is None else weight_bytes,
    )
