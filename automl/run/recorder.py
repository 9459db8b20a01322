"""The search observer of a run: persists every trial as it happens and shows progress."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from automl.config import Config
from automl.errors import storage_errors
from automl.run.faults import checkpoint
from automl.run.front import pareto_front
from automl.run.progress import SearchProgress
from automl.run.rundir import weights_path
from automl.run.store import RunStore, TrialRecord
from evaluators import FINISHED, TRAINED, TrialResult, TrialStatus
from genomes import Genome
from search import hypervolume, objective_values, reference_scales

HV_SCALES_KEY = "hypervolume_scales"


class RunRecorder:
    """Weights first, then the store row, then the hypervolume and the progress line, so a
    COMPLETE row always has its weights on disk."""

    def __init__(
        self, store: RunStore, run_dir: Path, config: Config, progress: SearchProgress
    ) -> None:
        self._store = store
        self._run_dir = run_dir
        self._objectives = tuple(config.objectives)
        self._constraints = config.search_settings().constraints
        self._population = config.search.population
        self._progress = progress
        records = store.trials()
        self.finished = sum(r.status in FINISHED for r in records)
        self.failed = sum(r.status is TrialStatus.FAILED for r in records)
        self._started = min((r.started_at for r in records), default=time.time())

    def trial_started(self, trial_id: int, genome: Genome, notes: Mapping[str, float]) -> None:
        with storage_errors(f"trial {trial_id} into {self._run_dir}"):
            self._store.trial_started(trial_id, genome, notes)
        checkpoint("trial_started")

    def trial_finished(self, result: TrialResult, genome: Genome) -> None:
        path = weights_path(self._run_dir, result.trial_id)
        partial = path.with_suffix(".partial")
        try:
            with storage_errors(f"trial {result.trial_id} into {self._run_dir}"):
                if result.weights is not None:
                    partial.write_bytes(result.weights)
                    partial.replace(path)
                    checkpoint("weights_written")
                self._store.trial_finished(result)
                checkpoint("trial_recorded")
                complete = self._store.trials(*TRAINED)
                self._record_hypervolume(complete)
        finally:
            partial.unlink(missing_ok=True)
        self.finished += 1
        self.failed += result.status is TrialStatus.FAILED
        best = max((r.val_accuracy for r in complete), default=None)
        front = pareto_front(complete, self._objectives, self._constraints)
        self._progress.update(self.finished, best, len(front), self.failed)

    def _record_hypervolume(self, complete: list[TrialRecord]) -> None:
        """Once the first ``population`` trials are in, fix the normalisation (kept in the
        store) and log the hypervolume of the feasible trials after every result."""
        scales = self._store.get_meta(HV_SCALES_KEY)
        if scales is None:
            if len(complete) < self._population:
                return
            first = complete[: self._population]
            values = np.array([objective_values(r, self._objectives) for r in first])
            scales = json.dumps(reference_scales(values, self._objectives))
            self._store.set_meta(HV_SCALES_KEY, scales)
        feasible = [r for r in complete if self._constraints.violation(r) == 0]
        values = np.array([objective_values(r, self._objectives) for r in feasible])
        value = hypervolume(values, self._objectives, json.loads(scales))
        self._store.add_hypervolume(self.finished, time.time() - self._started, value)
