"""Final training (``automl retrain``): chosen architectures trained again from scratch with
their training genes, on the training and validation splits together, for a fixed number of
epochs and several seeds, each measured once on the test split. The search's weights come from
short (pruned or early-stopped) training on less data; these are the weights to ship.

Nothing is chosen on the test split: every seed trains for its epochs and keeps its last
weights, and export ships seed 0's, fixed in advance. Each finished seed is recorded at once
(weights first, then its row), so a stopped retrain continues where it stopped when run again.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from automl.atomic import atomic_path
from automl.data import load_dataset
from automl.errors import RunDirectoryError, storage_errors
from automl.run.finished import FinishedRun
from automl.run.rundir import STORE_FILE, RunLock, retrained_weights_path
from automl.run.store import RetrainRecord, RunStore, TrialRecord
from evaluators import (
    TRAINED,
    TrainingData,
    TrialRequest,
    TrialResult,
    TrialStatus,
    make_pool,
    resolve_slots,
)
from genomes import Genome


@dataclass(frozen=True, slots=True)
class RetrainJob:
    """One seed of one trial's final training."""

    trial_id: int
    seed_index: int
    seed: int
    epochs: int


@dataclass(frozen=True, slots=True)
class RetrainSummary:
    """A trial's final training over its finished seeds."""

    trial_id: int
    seeds: int
    epochs: int
    mean: float | None
    """Mean test accuracy over the finished seeds; None where none finished."""
    sd: float | None
    """Sample standard deviation over the seeds; 0 for a single seed."""
    first_seed: float | None
    """Seed 0's test accuracy: that of the weights export ships."""
    failed: int
    """Seeds whose training failed (recorded with their reason; run again to retry)."""


def plan_retrain(
    run: FinishedRun, trial_ids: Iterable[int], seeds: int, epochs: int | None
) -> list[RetrainJob]:
    """The jobs still to run for ``trial_ids`` x ``seeds``: a seed already recorded is kept,
    and one recorded with another epoch count is refused (one trial, one recipe)."""
    done = {(r.trial_id, r.seed_index): r for r in run.retrained}
    jobs = []
    for trial_id in trial_ids:
        record = run.record(trial_id)
        if record.status not in TRAINED:
            raise RunDirectoryError(
                f"--trial {trial_id}: trial is {record.status.value}; only trained trials "
                "(COMPLETE or PRUNED) can be retrained"
            )
        count = epochs or default_epochs(record, run)
        for seed_index in range(seeds):
            earlier = done.get((trial_id, seed_index))
            if earlier is not None and earlier.epochs != count:
                raise RunDirectoryError(
                    f"trial {trial_id} was retrained for {earlier.epochs} epochs; "
                    f"{count} now would mix two recipes: pass --epochs {earlier.epochs}"
                )
            if earlier is None or earlier.status is not TrialStatus.COMPLETE:
                seed = retrain_seed(run.config.search.seed, trial_id, seed_index)
                jobs.append(RetrainJob(trial_id, seed_index, seed, count))
    return jobs


def default_epochs(record: TrialRecord, run: FinishedRun) -> int:
    """The search's best epoch count: a COMPLETE trial's best epoch (where early stopping
    kept its weights), a PRUNED trial's full budget (its ``max_epochs`` gene within the
    evaluator's cap), which the pruner cut short. Epochs of the larger split, so each takes
    more steps, as scikit-learn's and Keras Tuner's refits do: counted in the search's
    steps, a network stopped after one or two epochs would get fewer."""
    genome = Genome.from_json(record.genome)
    budget = min(genome.train.max_epochs, run.config.evaluator.max_epochs)
    curve = json.loads(record.curve)
    if record.status is TrialStatus.COMPLETE and curve:
        return 1 + int(np.argmax(curve))
    return budget


def retrain_seed(search_seed: int, trial_id: int, seed_index: int) -> int:
    """A seed per trial and seed index, apart from the search's own trial seeds."""
    return int(np.random.SeedSequence([search_seed, trial_id, 1 + seed_index]).generate_state(1)[0])


def run_retrain(
    run: FinishedRun,
    trial_ids: list[int],
    seeds: int,
    epochs: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RetrainSummary]:
    """Retrain ``trial_ids`` with ``seeds`` seeds each on the run's worker pool (its backend
    and devices; ``workers`` processes if given) and record every seed; returns the summary
    of each trial. ``progress`` is told (seeds finished, seeds to train) at the start and
    after each seed. Refuses (RunDirectoryError) before anything runs on bad trial ids, a
    changed epoch count, or a search running on the run."""
    jobs = plan_retrain(run, trial_ids, seeds, epochs)
    if not jobs:  # every seed asked for is recorded: nothing to load or lock
        return summarize(run.retrained, trial_ids)
    splits = load_dataset(run.config.dataset)
    with RunLock(run.run_dir):
        store = RunStore(run.run_dir / STORE_FILE)
        try:
            say = progress or (lambda _done, _total: None)
            say(0, len(jobs))
            trained = _train_jobs(run, jobs, splits.final_training_data(), workers)
            for done, record in enumerate(trained, start=1):
                store.retrain_finished(record)
                say(done, len(jobs))
            recorded = store.retrained()
        finally:
            store.close()
    return summarize(recorded, trial_ids)


def _train_jobs(
    run: FinishedRun, jobs: list[RetrainJob], data: TrainingData, workers: int | None
) -> Iterator[RetrainRecord]:
    """Each job's record as it finishes, its weights written before it is returned."""
    evaluator = run.config.evaluator
    devices = "auto" if evaluator.devices == ["auto"] else evaluator.devices
    slots = resolve_slots(devices, evaluator.workers_per_device, workers or evaluator.workers)
    longest = max(job.epochs for job in jobs)
    settings = run.config.evaluation_settings()
    train = dataclasses.replace(
        settings.train, max_epochs=longest, patience=longest, restore_best=False
    )
    settings = dataclasses.replace(settings, train=train)
    pool_args = (evaluator.backend, data, settings, slots[: len(jobs)])
    pool_more = (evaluator.trial_timeout_s, evaluator.address, run.run_dir / "ray", None)
    with make_pool(*pool_args, *pool_more) as pool:
        for index, job in enumerate(jobs):
            genome = Genome.from_json(run.record(job.trial_id).genome)
            genome = dataclasses.replace(genome, train=genome.train.replace(max_epochs=job.epochs))
            pool.submit(TrialRequest(index, genome, job.seed))
        for result in pool.results():
            yield _kept(run, jobs[result.trial_id], result)


def _kept(run: FinishedRun, job: RetrainJob, result: TrialResult) -> RetrainRecord:
    """Write a finished seed's weights; its record (the test accuracy is the held-out
    accuracy the worker measured in the place of validation)."""
    if result.weights is not None:
        path = retrained_weights_path(run.run_dir, job.trial_id, job.seed_index)
        path.parent.mkdir(parents=True, exist_ok=True)
        with (
            storage_errors(f"the weights of {path}", "finished seeds are kept: rerun"),
            atomic_path(path) as partial,
        ):
            partial.write_bytes(result.weights)
    complete = result.status is TrialStatus.COMPLETE
    return RetrainRecord(
        trial_id=job.trial_id,
        seed_index=job.seed_index,
        seed=job.seed,
        epochs=job.epochs,
        status=TrialStatus.COMPLETE if complete else TrialStatus.FAILED,
        test_accuracy=result.val_accuracy if complete else None,
        seconds=result.seconds,
        error=result.error,
        finished_at=time.time(),
    )


def summarize(records: Iterable[RetrainRecord], trial_ids: Iterable[int]) -> list[RetrainSummary]:
    """Per trial in ``trial_ids``: mean and spread of test accuracy over its finished seeds."""
    by_trial: dict[int, list[RetrainRecord]] = {}
    for record in records:
        by_trial.setdefault(record.trial_id, []).append(record)
    summaries = []
    for trial_id in trial_ids:
        recorded = by_trial.get(trial_id, [])
        accuracies = [r.test_accuracy for r in recorded if r.status is TrialStatus.COMPLETE]
        first = next((r.test_accuracy for r in recorded if r.seed_index == 0), None)
        summaries.append(
            RetrainSummary(
                trial_id,
                seeds=len(accuracies),
                epochs=recorded[0].epochs if recorded else 0,
                mean=statistics.fmean(accuracies) if accuracies else None,
                sd=statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0,
                first_seed=first,
                failed=len(recorded) - len(accuracies),
            )
        )
    return summaries
