"""A run directory opened for reading (export, report, study, status): its resolved config,
its trials and its front, read without writing and beside a running search."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from automl.config import Config, load_config
from automl.errors import RunDirectoryError
from automl.run.front import pareto_front
from automl.run.rundir import CONFIG_FILE, STORE_FILE, retrained_weights_path, weights_path
from automl.run.store import PROBLEM_KEY, REFERENCE_KEY, RetrainRecord, RunStore, TrialRecord
from evaluators import TRAINED, TrialStatus
from genomes import Genome, Problem, genome_to_graph

if TYPE_CHECKING:  # torch, imported only where a network is loaded: status stays quick
    from genomes import GraphModule


@dataclass(frozen=True)
class FinishedRun:
    run_dir: Path
    config: Config
    records: list[TrialRecord]
    front: list[TrialRecord]
    hypervolume: list[tuple[int, float, float]]
    """(evaluations, seconds since the start, hypervolume) after every result."""
    reference_ms: float | None
    input_shape: tuple[int, ...]
    classes: tuple[str, ...]
    retrained: tuple[RetrainRecord, ...] = ()
    """Final training (``automl retrain``), every recorded seed."""

    @property
    def problem(self) -> Problem:
        return Problem(self.input_shape, len(self.classes))

    def load_model(self, record: TrialRecord, retrained: bool = False) -> GraphModule:
        """The trained network of a trial, on the CPU, in eval mode: the search's weights
        (kept for the front), or with ``retrained`` those of its first retrained seed."""
        import torch

        from genomes import GraphModule

        path = (
            retrained_weights_path(self.run_dir, record.trial_id, 0)
            if retrained
            else weights_path(self.run_dir, record.trial_id)
        )
        model = GraphModule(genome_to_graph(Genome.from_json(record.genome), self.problem))
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()

    def ships_retrained(self, trial_id: int) -> bool:
        """Whether export ships retrained weights: those of seed 0, fixed in advance (the
        seed that scored best on test would leak the test split), once it has finished."""
        return any(
            (r.trial_id, r.seed_index, r.status) == (trial_id, 0, TrialStatus.COMPLETE)
            for r in self.retrained
        )

    def record(self, trial_id: int) -> TrialRecord:
        """Any trial of the run, by id."""
        by_id = {r.trial_id: r for r in self.records}
        if trial_id not in by_id:
            raise RunDirectoryError(
                f"--trial {trial_id}: no such trial in {self.run_dir} (ids 0..{len(by_id) - 1})"
            )
        return by_id[trial_id]

    def trial(self, trial_id: int) -> TrialRecord:
        """A trained trial whose weights were kept (the front's)."""
        record = self.record(trial_id)
        if record.status not in TRAINED or not weights_path(self.run_dir, trial_id).is_file():
            front = [r.trial_id for r in self.front]
            raise RunDirectoryError(
                f"--trial {trial_id}: trial is {record.status.value} and has no saved weights in "
                f"{self.run_dir}; the front's are kept: {front} (all trials' with "
                "`evaluator.keep_weights: all`)"
            )
        return record


def require_trained(run_dir: Path, records: list[TrialRecord]) -> None:
    """Refuse, with one line naming the run, a run that has no trained trial yet."""
    if not any(r.status in TRAINED for r in records):
        raise RunDirectoryError(
            f"{run_dir}: no finished trial yet ({len(records)} trial(s) recorded, none trained)"
        )


def open_run(run_dir: Path, need_trained: bool = True) -> FinishedRun:
    """Read a run directory; a missing one, one without a store, or (``need_trained``) one
    with no trained trial yet is a RunDirectoryError naming it."""
    if not run_dir.is_dir():
        raise RunDirectoryError(f"{run_dir}: no such run directory")
    if not (run_dir / STORE_FILE).is_file() or not (run_dir / CONFIG_FILE).is_file():
        raise RunDirectoryError(
            f"{run_dir}: not a run directory (no {STORE_FILE} and {CONFIG_FILE}); "
            "`automl search CONFIG --out DIR` makes one"
        )
    config = load_config(run_dir / CONFIG_FILE)
    store = RunStore(run_dir / STORE_FILE, read_only=True)
    try:
        records = store.trials()
        history = store.hypervolume_history()
        retrained = store.retrained()
        reference = store.get_meta(REFERENCE_KEY)
        problem = store.get_meta(PROBLEM_KEY)
    finally:
        store.close()
    if need_trained:
        require_trained(run_dir, records)
    constraints = config.search_settings().constraints
    front = pareto_front(records, tuple(config.objectives), constraints)
    reference_ms = None if reference is None else float(reference)
    if problem is None and need_trained:
        raise RunDirectoryError(f"{run_dir}: the store does not record the data's shape")
    data = json.loads(problem or '{"input_shape": [], "classes": []}')
    return FinishedRun(
        run_dir,
        config,
        records,
        front,
        history,
        reference_ms,
        tuple(data["input_shape"]),
        tuple(data["classes"]),
        tuple(retrained),
    )
