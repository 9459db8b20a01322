"""Recorder benchmark: what recording one result costs the search process (the store row, the
front, the hypervolume, the progress line) early, midway and late in a 5,000-trial run. A real
``RunStore`` in a temporary directory and a real progress line (into a buffer); no training:
the results are the synthetic problem's for sampled genomes. The recorder keeps the front and
the hypervolume in memory, so the cost should stay flat as trials accumulate; the last column
shows what recomputing them from the store would cost at that size.

Run: .venv/bin/python -m experiments.benchmarks.recorder_bench
"""

from __future__ import annotations

import io
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from experiments.benchmarks.common import machine, write_fragment

TRIALS = 5000
POPULATION = 16
WINDOWS = ((1, 500), (2251, 2750), (4501, 5000))
"""Trial numbers (1-based, inclusive) whose per-result times are summarised."""
TARGET = 2.0
"""The median late in the run may be at most this multiple of the median early on."""


def record_all(folder: Path) -> tuple[list[float], list[float], list[int]]:
    """Seconds per ``trial_finished``; seconds to recompute front and hypervolume from the
    store at the end of each window; front size there."""
    from rich.console import Console

    from automl.config import Config
    from automl.run.front import pareto_front
    from automl.run.progress import SearchProgress
    from automl.run.recorder import HV_SCALES_KEY, RunRecorder
    from automl.run.store import RunStore
    from evaluators import TRAINED, TrialRequest
    from genomes import sample_genome
    from search import (
        SYNTHETIC_PROBLEM,
        SYNTHETIC_SPACE,
        hypervolume,
        objective_values,
        synthetic_trial,
    )

    config = Config.model_validate({"search": {"population": POPULATION, "evaluations": TRIALS}})
    objectives, constraints = tuple(config.objectives), config.search_settings().constraints
    rng = np.random.default_rng(0)
    store = RunStore(folder / "trials.db")
    per_result, from_scratch, front_sizes = [], [], []
    with SearchProgress(Console(file=io.StringIO()), TRIALS) as progress:
        recorder = RunRecorder(store, folder, config, progress)
        for trial_id in range(TRIALS):
            genome = sample_genome(SYNTHETIC_SPACE, SYNTHETIC_PROBLEM, rng)
            result = synthetic_trial(TrialRequest(trial_id, genome, seed=0))
            recorder.trial_started(trial_id, genome, {})
            start = time.perf_counter()
            recorder.trial_finished(result, genome)
            per_result.append(time.perf_counter() - start)
            if trial_id + 1 not in {end for _, end in WINDOWS}:
                continue
            start = time.perf_counter()
            trained = store.trials(*TRAINED)
            front = pareto_front(trained, objectives, constraints)
            values = np.array([objective_values(r, objectives) for r in trained])
            hypervolume(values, objectives, json.loads(store.get_meta(HV_SCALES_KEY)))
            from_scratch.append(time.perf_counter() - start)
            front_sizes.append(len(front))
    store.close()
    return per_result, from_scratch, front_sizes


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="recorder-bench-") as folder:
        per_result, from_scratch, front_sizes = record_all(Path(folder))
    medians = [statistics.median(per_result[first - 1 : last]) for first, last in WINDOWS]
    rows = [
        f"| {first:,}-{last:,} | {median * 1e3:.2f} | {front:,} | {scratch * 1e3:.1f} |"
        for (first, last), median, front, scratch in zip(
            WINDOWS, medians, front_sizes, from_scratch, strict=True
        )
    ]
    ratio = medians[-1] / medians[0]
    met = "met" if ratio <= TARGET else "NOT met"
    write_fragment(
        "recorder",
        f"""## Recording a result

`.venv/bin/python -m experiments.benchmarks.recorder_bench` on {machine()}.

{TRIALS:,} synthetic results (the search's synthetic problem, sampled genomes, no training)
recorded by `RunRecorder` into a real `RunStore` (SQLite, WAL) with a live progress line,
objectives accuracy and latency, population {POPULATION}. Per result: the store row, the
front and best accuracy, the hypervolume (recomputed only when the feasible front changes)
and the progress line, all kept in memory and never read back from the store. Median per
window of trials; the last column is one recomputation of the front and the hypervolume from
every stored trial at the window's end, what each result would cost without that memory.

| trials | median ms per result | front size at the end | recompute from the store (ms) |
| --- | --- | --- | --- |
{chr(10).join(rows)}

Late / early median: **{ratio:.2f}x** (target <= {TARGET:g}x: {met}).
""",
    )


if __name__ == "__main__":
    main()
