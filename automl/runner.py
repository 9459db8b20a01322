"""Wires one search together: data, pool, engine, store, progress and the final outputs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from rich.console import Console

from automl.config import Config, write_config
from automl.data import DatasetSplits, load_dataset
from automl.errors import RunDirectoryError
from automl.front import pareto_front
from automl.outputs import PARETO_COLUMNS, TRIAL_COLUMNS, plot_pareto, write_csv
from automl.progress import SearchProgress
from automl.store import RunStore, TrialRecord
from evaluators import (
    EvaluationSettings,
    TrainingData,
    TrialResult,
    TrialStatus,
    accuracy_of,
    build_model,
    calibrate,
    make_pool,
    resolve_slots,
)
from genomes import Genome, make_toolbox
from search import OBJECTIVES, AsyncNSGA2

WEIGHTS_DIR = "weights"


@dataclass(frozen=True)
class RunSummary:
    run_dir: Path
    front: list[TrialRecord]
    finished: int
    failed: int


def weights_path(run_dir: Path, trial_id: int) -> Path:
    return run_dir / WEIGHTS_DIR / f"trial_{trial_id:05d}.pt"


def check_new_run_dir(run_dir: Path) -> None:
    if (run_dir / "trials.db").exists():
        raise RunDirectoryError(
            f"{run_dir} already holds a run (trials.db); choose another --out or delete it"
        )


class _Recorder:
    """Search observer: weights first, then the store row, then the progress line, so a
    COMPLETE row always has its weights on disk."""

    def __init__(
        self, store: RunStore, run_dir: Path, config: Config, progress: SearchProgress
    ) -> None:
        self._store = store
        self._run_dir = run_dir
        self._config = config
        self._progress = progress
        self.finished = 0
        self.failed = 0

    def trial_started(self, trial_id: int, genome: Genome) -> None:
        self._store.trial_started(trial_id, genome)

    def trial_finished(self, result: TrialResult, genome: Genome) -> None:
        if result.weights is not None:
            path = weights_path(self._run_dir, result.trial_id)
            partial = path.with_suffix(".partial")
            partial.write_bytes(result.weights)
            partial.replace(path)
        self._store.trial_finished(result)
        self.finished += 1
        self.failed += result.status is TrialStatus.FAILED
        records = self._store.trials("COMPLETE")
        best = max((r.val_accuracy for r in records), default=None)
        front = pareto_front(
            records, tuple(self._config.objectives), self._config.search_settings().constraints
        )
        self._progress.update(self.finished, best, len(front), self.failed)


def run_search(config: Config, run_dir: Path, console: Console) -> RunSummary:
    """Validate everything that can fail on bad input, then create ``run_dir`` and search."""
    check_new_run_dir(run_dir)
    splits = load_dataset(config.dataset)
    space = config.search_space()
    space.check_problem(splits.problem)
    evaluator = config.evaluator
    devices = "auto" if evaluator.devices == ["auto"] else evaluator.devices
    slots = resolve_slots(devices, evaluator.workers_per_device, evaluator.workers)
    settings = config.search_settings()
    (run_dir / WEIGHTS_DIR).mkdir(parents=True, exist_ok=True)
    write_config(config, run_dir / "config.yaml")
    console.print(
        f"[bold]automl[/] {len(splits.y_train)} train / {len(splits.y_val)} val / "
        f"{len(splits.y_test)} test samples, input {list(splits.problem.input_shape)},"
        f" {len(splits.classes)} classes; {len(slots)} workers on {sorted(set(slots))};"
        f" run directory {run_dir}"
    )
    store = RunStore(run_dir / "trials.db")
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed))
    weights = [OBJECTIVES.get(name).weight for name in settings.objectives]
    toolbox = make_toolbox(space, splits.problem, rng, weights)
    data = splits.training_data()
    evaluation = latency_calibrated(config, store, splits.problem.input_shape)
    try:
        with (
            SearchProgress(console, settings.evaluations) as progress,
            make_pool(
                evaluator.backend,
                data,
                evaluation,
                slots,
                evaluator.trial_timeout_s,
                evaluator.address,
                run_dir / "ray",
            ) as pool,
        ):
            recorder = _Recorder(store, run_dir, config, progress)
            AsyncNSGA2(toolbox, settings, rng, pool, recorder).run()
    finally:
        front = finalize_run(run_dir, store, config, splits, data)
        store.close()
    return RunSummary(run_dir, front, recorder.finished, recorder.failed)


def latency_calibrated(
    config: Config, store: RunStore, input_shape: tuple[int, ...]
) -> EvaluationSettings:
    """Evaluation settings with the reference network's latency measured once for the run
    (before any worker starts, so nothing else runs) and kept in the store."""
    settings = config.evaluation_settings()
    if not config.latency.reference:
        return settings
    latency = calibrate(settings.latency, input_shape)
    store.set_meta("latency_reference_ms", repr(latency.reference_ms))
    return dataclasses.replace(settings, latency=latency)


def finalize_run(
    run_dir: Path, store: RunStore, config: Config, splits: DatasetSplits, data: TrainingData
) -> list[TrialRecord]:
    """Mark unfinished trials INTERRUPTED, measure test accuracy of the front (the only time
    the test split is touched), keep only front weights, and write the CSVs and the plot."""
    store.mark_interrupted()
    records = store.trials()
    front = pareto_front(records, tuple(config.objectives), config.search_settings().constraints)
    for record in front:
        if record.test_accuracy is None:
            model = build_model(Genome.from_json(record.genome), data)
            state = torch.load(weights_path(run_dir, record.trial_id), weights_only=True)
            model.load_state_dict(state)
            store.set_test_accuracy(
                record.trial_id, accuracy_of(model, splits.x_test, splits.y_test)
            )
    keep = {weights_path(run_dir, r.trial_id) for r in front}
    for path in (run_dir / WEIGHTS_DIR).glob("trial_*.pt"):
        if path not in keep:
            path.unlink()
    records = store.trials()
    front = pareto_front(records, tuple(config.objectives), config.search_settings().constraints)
    write_csv(run_dir / "trials.csv", records, TRIAL_COLUMNS)
    write_csv(run_dir / "pareto.csv", front, PARETO_COLUMNS)
    plot_pareto(run_dir / "pareto.png", records, front)
    return front
