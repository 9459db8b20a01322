"""The run recorder keeps the front, the best accuracy and the hypervolume in memory: what it
records and shows after every result must equal a from-scratch recomputation over the store,
also when the results arrive out of id order, when no trial is feasible yet, and across a
resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from automl.config import Config
from automl.run.front import pareto_front
from automl.run.recorder import HV_SCALES_KEY, RunRecorder
from automl.run.store import RunStore
from evaluators import TRAINED, TrialResult, TrialStatus
from genomes import sample_genome
from search import (
    SYNTHETIC_PROBLEM,
    SYNTHETIC_SPACE,
    hypervolume,
    objective_values,
    reference_scales,
)

POPULATION = 5
MAX_LATENCY_MS = 0.6


class ProgressLog:
    """Stands in for the progress line; keeps every update."""

    def __init__(self) -> None:
        self.updates: list[tuple[int, float | None, int, int]] = []

    def update(self, done: int, best: float | None, front: int, failed: int) -> None:
        self.updates.append((done, best, front, failed))


def _results(count: int, seed: int) -> list[TrialResult]:
    """Trained, pruned and failed results in a shuffled id order; the first few are all too
    slow (no feasible trial yet), some repeat an earlier trial's metrics exactly (ties)."""
    rng = np.random.default_rng(seed)
    results = []
    for trial_id in rng.permutation(count):
        trial_id = int(trial_id)
        draw = rng.random()
        if draw < 0.15:
            results.append(TrialResult(trial_id, TrialStatus.FAILED, error="boom"))
            continue
        latency = float(rng.uniform(0.01, 1.0))
        if len(results) < 6:
            latency = float(rng.choice([0.7, 0.8]))
        metrics = {
            "val_accuracy": float(rng.uniform(0.1, 1.0)),
            "latency_ms": latency,
            "params": int(rng.integers(100, 10_000)),
            "flops": int(rng.integers(1_000, 100_000)),
        }
        trained = [r for r in results if r.status in TRAINED]
        if trained and draw > 0.9:
            twin = trained[int(rng.integers(len(trained)))]
            metrics = {name: getattr(twin, name) for name in metrics}
        status = TrialStatus.PRUNED if draw > 0.75 else TrialStatus.COMPLETE
        results.append(TrialResult(trial_id, status, epochs=1, **metrics))
    return results


def _config(objectives: list[str]) -> Config:
    return Config.model_validate(
        {
            "search": {"population": POPULATION},
            "objectives": objectives,
            "constraints": {"max_latency_ms": MAX_LATENCY_MS},
        }
    )


def _recompute(store: RunStore, config: Config, scales: list[float] | None):
    """What the recorder must show and record after the latest result, from every stored
    trial: (scales, hypervolume or None, best accuracy, front size)."""
    objectives = tuple(config.objectives)
    constraints = config.search_settings().constraints
    trained = store.trials(*TRAINED)
    if scales is None and len(trained) >= POPULATION:
        first = np.array([objective_values(r, objectives) for r in trained[:POPULATION]])
        scales = reference_scales(first, objectives)
    feasible = [objective_values(r, objectives) for r in trained if not constraints.violation(r)]
    value = None if scales is None else hypervolume(np.array(feasible), objectives, scales)
    best = max((r.val_accuracy for r in trained), default=None)
    return scales, value, best, len(pareto_front(trained, objectives, constraints))


@pytest.mark.parametrize(
    "objectives",
    [["accuracy", "latency"], ["accuracy", "params"], ["accuracy", "latency", "flops"]],
)
@pytest.mark.parametrize("resume_after", [None, 17])
def test_recorded_history_equals_a_recomputation(
    tmp_path: Path, objectives: list[str], resume_after: int | None
) -> None:
    config = _config(objectives)
    results = _results(40, seed=len(objectives))
    genomes = {
        r.trial_id: sample_genome(
            SYNTHETIC_SPACE, SYNTHETIC_PROBLEM, np.random.default_rng(r.trial_id)
        )
        for r in results
    }
    store = RunStore(tmp_path / "trials.db")
    progress = ProgressLog()
    recorder = RunRecorder(store, tmp_path, config, progress)
    expected_history: dict[int, float] = {}
    scales = None
    for done, result in enumerate(results, 1):
        if done - 1 == resume_after:
            store.close()
            store = RunStore(tmp_path / "trials.db")
            recorder = RunRecorder(store, tmp_path, config, progress)
            assert recorder.finished == resume_after, "the resumed recorder lost count"
        recorder.trial_started(result.trial_id, genomes[result.trial_id], {})
        recorder.trial_finished(result, genomes[result.trial_id])
        scales, value, best, front = _recompute(store, config, scales)
        if value is not None:
            expected_history[done] = value
        failed = sum(r.status is TrialStatus.FAILED for r in results[:done])
        assert progress.updates[-1] == (done, best, front, failed), (
            f"after result {done}: the progress line shows {progress.updates[-1]}, a "
            f"recomputation gives {(done, best, front, failed)}"
        )
    history = store.hypervolume_history()
    assert json.loads(store.get_meta(HV_SCALES_KEY)) == scales, "stored scales differ"
    assert [h[0] for h in history] == list(expected_history), (
        "the hypervolume was not recorded once per result, numbered by finished trials, "
        "from the moment the scales were fixed"
    )
    recorded = [h[2] for h in history]
    assert recorded == pytest.approx(list(expected_history.values()), rel=1e-12, abs=1e-15), (
        "the incremental hypervolume differs from a recomputation over the stored trials"
    )
    assert progress.updates[5][2] > 0 and max(recorded) > 0, "the test never had a front"
    store.close()
