"""Wires one search together: data, pool, strategy, store, progress and the final outputs."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import torch
from rich.console import Console

from automl.config import Config, write_config
from automl.data import DatasetSplits
from automl.errors import StorageError, storage_errors
from automl.run.faults import checkpoint
from automl.run.front import pareto_front
from automl.run.outputs import PARETO_COLUMNS, TRIAL_COLUMNS, plot_pareto, write_csv
from automl.run.prepare import PreparedSearch, prepare_search
from automl.run.progress import SearchProgress
from automl.run.recorder import RunRecorder
from automl.run.rundir import CONFIG_FILE, STORE_FILE, WEIGHTS_DIR, RunLock, weights_path
from automl.run.store import PROBLEM_KEY, REFERENCE_KEY, RunStore, TrialRecord, problem_json
from automl.run.warm import on_this_scale
from evaluators import (
    EvaluationSettings,
    TrainingData,
    accuracy_of,
    build_model,
    calibrate,
    make_pool,
)
from genomes import Genome
from search import MOASHAPruner, PastTrial, SearchEngine, StrategyContext, make_strategy


def run_search(config: Config, run_dir: Path, console: Console, resume: bool = False) -> str | None:
    """Check everything that can fail on bad input, then search in ``run_dir`` (continuing
    the run there when ``resume``); returns why the search stopped before its budget, if it
    did for a reason of its own."""
    prepared = prepare_search(config, run_dir, resume)
    (run_dir / WEIGHTS_DIR).mkdir(parents=True, exist_ok=True)
    with RunLock(run_dir):
        store = RunStore(run_dir / STORE_FILE)  # first: an unreadable store changes nothing
        write_config(config, run_dir / CONFIG_FILE)
        store.set_meta(PROBLEM_KEY, problem_json(prepared.splits))
        past = store.past_trials() if resume else []
        console.print(_opening_line(prepared, len(past)))
        data = prepared.splits.training_data()
        try:
            stop_reason = _search(prepared, store, data, past, console)
        except BaseException:
            # Ctrl-C or a full disk: keep what can be kept, then report the first failure
            with contextlib.suppress(StorageError), storage_errors("the outputs"):
                finalize_run(run_dir, store, config, prepared.splits, data)
            store.close()
            raise
        with storage_errors(f"the outputs of {run_dir}"):
            finalize_run(run_dir, store, config, prepared.splits, data)
        store.close()
    return stop_reason


def _opening_line(prepared: PreparedSearch, past: int) -> str:
    splits, slots = prepared.splits, prepared.slots
    return (
        f"[bold]automl[/] {len(splits.y_train)} train / {len(splits.y_val)} val / "
        f"{len(splits.y_test)} test samples, input {list(splits.problem.input_shape)}, "
        f"{len(splits.classes)} classes; {len(slots)} workers on {sorted(set(slots))}; "
        f"strategy {prepared.config.search.strategy}; run directory {prepared.run_dir}"
        + (f"; resuming after {past} trials" if prepared.resume else "")
    )


def _search(
    prepared: PreparedSearch,
    store: RunStore,
    data: TrainingData,
    past: list[PastTrial],
    console: Console,
) -> str | None:
    """Start the pool, run the engine to the end of the budget; why it stopped early, if
    it did."""
    config, evaluator = prepared.config, prepared.config.evaluator
    settings = config.search_settings()
    evaluation = latency_calibrated(config, store, prepared.splits.problem.input_shape)
    warm = on_this_scale(prepared.warm, evaluation.latency.reference_ms)
    context = StrategyContext(prepared.space, prepared.splits.problem, settings, warm)
    with (
        SearchProgress(console, settings.evaluations) as progress,
        make_pool(
            evaluator.backend,
            data,
            evaluation,
            prepared.slots,
            evaluator.trial_timeout_s,
            evaluator.address,
            prepared.run_dir / "ray",
            pruner_for(config, past),
        ) as pool,
    ):
        recorder = RunRecorder(store, prepared.run_dir, config, progress)
        progress.update(recorder.finished, None, 0, recorder.failed)
        engine = SearchEngine(make_strategy(context), settings, pool, recorder, past)
        engine.run()
        return engine.stop_reason


def pruner_for(config: Config, past: list[PastTrial]) -> MOASHAPruner | None:
    """The pruner, told every past trial (its rungs and correlations as they were); None when
    pruning is off."""
    settings = config.pruning_settings()
    if not settings.enabled:
        return None
    pruner = MOASHAPruner(settings, tuple(config.objectives))
    for trial in past:
        if trial.result is not None:
            pruner.record(trial.result)
    return pruner


def latency_calibrated(
    config: Config, store: RunStore, input_shape: tuple[int, ...]
) -> EvaluationSettings:
    """Evaluation settings with the reference network's latency: measured once at the start
    of the run (before any worker starts, so nothing else runs) and kept in the store, so
    that a resumed run keeps the same yardstick."""
    settings = config.evaluation_settings()
    if not config.latency.reference:
        return settings
    stored = store.get_meta(REFERENCE_KEY)
    if stored is not None:
        latency = dataclasses.replace(settings.latency, reference_ms=float(stored))
    else:
        latency = calibrate(settings.latency, input_shape)
        store.set_meta(REFERENCE_KEY, repr(latency.reference_ms))
    return dataclasses.replace(settings, latency=latency)


def finalize_run(
    run_dir: Path, store: RunStore, config: Config, splits: DatasetSplits, data: TrainingData
) -> list[TrialRecord]:
    """Mark unfinished trials INTERRUPTED, measure test accuracy of the front (the only time
    the test split is touched), keep only front weights, and write the CSVs and the plot."""
    store.mark_interrupted()
    objectives, constraints = tuple(config.objectives), config.search_settings().constraints
    front = pareto_front(store.trials(), objectives, constraints)
    for record in front:
        if record.test_accuracy is None:
            model = build_model(Genome.from_json(record.genome), data)
            state = torch.load(weights_path(run_dir, record.trial_id), weights_only=True)
            model.load_state_dict(state)
            store.set_test_accuracy(
                record.trial_id, accuracy_of(model, splits.x_test, splits.y_test)
            )
            checkpoint("front_evaluated")
    if config.evaluator.keep_weights == "front":
        keep = {weights_path(run_dir, r.trial_id) for r in front}
        for path in (run_dir / WEIGHTS_DIR).glob("trial_*.pt"):
            if path not in keep:
                path.unlink()
    records = store.trials()
    front = pareto_front(records, objectives, constraints)
    write_csv(run_dir / "trials.csv", records, TRIAL_COLUMNS)
    checkpoint("outputs_written")
    write_csv(run_dir / "pareto.csv", front, PARETO_COLUMNS)
    plot_pareto(run_dir / "pareto.png", records, front, objectives)
    return front
