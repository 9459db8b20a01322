"""Warm starts: the trained trials of earlier runs on the same data, checked for compatibility
before anything is written, with their latencies brought to this run's scale."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from automl.config import Config
from automl.errors import RunDirectoryError
from automl.run.finished import open_run
from automl.run.store import record_result
from evaluators import TrialResult
from genomes import Genome, InvalidGenomeError, Problem, SearchSpace, validate_genome

WARM_STRATEGIES = ("guided", "nsga2")


class WarmStartError(RunDirectoryError):
    """A ``search.warm_start`` entry that cannot seed this search."""


@dataclass(frozen=True)
class WarmTrial:
    genome: Genome
    result: TrialResult
    reference_ms: float | None
    """The earlier run's reference-MLP latency, its latency yardstick."""


def load_warm_start(config: Config, space: SearchSpace, problem: Problem) -> list[WarmTrial]:
    """The trained trials of ``search.warm_start``'s runs; a run on other data, with other
    objectives or with a genome outside this space is refused, naming it."""
    runs = config.search.warm_start
    if runs and config.search.strategy not in WARM_STRATEGIES:
        raise WarmStartError(
            f"`search.warm_start` works with search.strategy {' or '.join(WARM_STRATEGIES)}; "
            f"got {config.search.strategy!r}"
        )
    trials: list[WarmTrial] = []
    for path in runs:
        trials += _trials_of(Path(path), config, space, problem)
    return trials


def _trials_of(
    run_dir: Path, config: Config, space: SearchSpace, problem: Problem
) -> list[WarmTrial]:
    where = f"`search.warm_start` run {run_dir}"
    if not run_dir.is_dir():
        raise WarmStartError(f"{where}: no such run directory")
    try:
        run = open_run(run_dir)
    except RunDirectoryError as exc:
        raise WarmStartError(f"`search.warm_start`: {exc}") from None
    if run.problem != problem:
        raise WarmStartError(
            f"{where} was searched on other data (input {list(run.input_shape)}, "
            f"{len(run.classes)} classes; this run: {list(problem.input_shape)}, "
            f"{problem.num_classes} classes)"
        )
    if list(run.config.objectives) != list(config.objectives):
        raise WarmStartError(
            f"{where} has objectives {run.config.objectives}; this run: {config.objectives}"
        )
    trials = []
    for record in run.records:
        result = record_result(record)
        if result is None or not result.status.trained:
            continue
        genome = Genome.from_json(record.genome, space.schema)
        try:
            validate_genome(genome, space, problem)
        except InvalidGenomeError as exc:
            raise WarmStartError(
                f"{where}: trial {record.trial_id} does not fit this space ({exc})"
            ) from None
        trials.append(WarmTrial(genome, result, run.reference_ms))
    return trials


def on_this_scale(
    trials: list[WarmTrial], reference_ms: float | None
) -> tuple[tuple[Genome, TrialResult], ...]:
    """Genomes with results whose latencies are scaled by the ratio of this run's reference
    latency to theirs (the two machines, or one machine on two days, differ by it)."""
    scaled = []
    for trial in trials:
        result = trial.result
        if reference_ms and trial.reference_ms and result.latency_ms is not None:
            latency = result.latency_ms * reference_ms / trial.reference_ms
            result = dataclasses.replace(result, latency_ms=latency)
        scaled.append((trial.genome, result))
    return tuple(scaled)
