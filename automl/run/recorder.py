"""The search observer of a run: persists every trial as it happens and shows progress."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from automl.atomic import atomic_path
from automl.config import Config
from automl.errors import storage_errors
from automl.run.faults import checkpoint
from automl.run.front import FrontTracker
from automl.run.progress import SearchProgress
from automl.run.rundir import weights_path
from automl.run.store import RunStore, TrialRecord
from evaluators import FINISHED, TRAINED, TrialResult, TrialStatus
from genomes import Genome
from search import hypervolume, objective_values, reference_scales

HV_SCALES_KEY = "hypervolume_scales"


class RunRecorder:
    """Weights first, then the store row, then the hypervolume and the progress line, so a
    COMPLETE row always has its weights on disk.

    The front, the best accuracy and the hypervolume are kept in memory: read from the store
    once (it holds the earlier trials on resume) and updated per result, so that a result
    costs as little late in a long run as early."""

    def __init__(
        self, store: RunStore, run_dir: Path, config: Config, progress: SearchProgress
    ) -> None:
        self._store = store
        self._run_dir = run_dir
        self._objectives = tuple(config.objectives)
        self._population = config.search.population
        self._progress = progress
        records = store.trials()
        self.finished = sum(r.status in FINISHED for r in records)
        self.failed = sum(r.status is TrialStatus.FAILED for r in records)
        self._started = min((r.started_at for r in records), default=time.time())
        self._front = FrontTracker(self._objectives, config.search_settings().constraints)
        self._best: float | None = None
        scales = store.get_meta(HV_SCALES_KEY)
        self._scales: list[float] | None = None if scales is None else json.loads(scales)
        self._unscaled: dict[int, tuple[float, ...]] = {}
        """Objective values of the trained trials by id, until the scales are fixed."""
        self._hypervolume: float | None = None
        """Of the feasible front; None when the front changed since it was computed."""
        for record in records:
            if record.status in TRAINED:
                self._add_trained(record)

    def trial_started(self, trial_id: int, genome: Genome, notes: Mapping[str, float]) -> None:
        with storage_errors(f"trial {trial_id} into {self._run_dir}"):
            self._store.trial_started(trial_id, genome, notes)
        checkpoint("trial_started")

    def trial_finished(self, result: TrialResult, genome: Genome) -> None:
        with storage_errors(f"trial {result.trial_id} into {self._run_dir}"):
            if result.weights is not None:
                with atomic_path(weights_path(self._run_dir, result.trial_id)) as partial:
                    partial.write_bytes(result.weights)
                checkpoint("weights_written")
            self._store.trial_finished(result)
            checkpoint("trial_recorded")
            self.finished += 1
            self.failed += result.status is TrialStatus.FAILED
            if result.status in TRAINED:
                self._add_trained(result)
            self._record_hypervolume()
        self._progress.update(self.finished, self._best, self._front.size, self.failed)

    def _add_trained(self, trial: TrialRecord | TrialResult) -> None:
        if self._scales is None:
            self._unscaled[trial.trial_id] = objective_values(trial, self._objectives)
        accuracy = trial.val_accuracy
        self._best = accuracy if self._best is None else max(self._best, accuracy)
        if self._front.add(trial):
            self._hypervolume = None

    def _record_hypervolume(self) -> None:
        """Once ``population`` trials are trained, fix the normalisation from the first of
        them by id (kept in the store, so a resumed run keeps it) and log the hypervolume of
        the feasible trials, with the number of finished trials, after every result."""
        if self._scales is None:
            if len(self._unscaled) < self._population:
                return
            first = [self._unscaled[i] for i in sorted(self._unscaled)[: self._population]]
            self._scales = reference_scales(np.array(first), self._objectives)
            self._store.set_meta(HV_SCALES_KEY, json.dumps(self._scales))
            self._unscaled.clear()
        if self._hypervolume is None:
            values = self._front.feasible_values
            self._hypervolume = hypervolume(values, self._objectives, self._scales)
        self._store.add_hypervolume(self.finished, time.time() - self._started, self._hypervolume)
