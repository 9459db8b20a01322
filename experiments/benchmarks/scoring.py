"""The score every search benchmark uses (issue 8's reference problem): hypervolume of the
test-error x latency points of the trials that are non-dominated on validation, with error
divided by 0.25 and latency by the latency of the fixed 3 x 512 reference MLP measured in the
same run, reference point (1, 1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ERROR_SCALE = 0.25


def run_records(run_dir: Path):  # noqa: ANN201 - list[automl.TrialRecord], imported lazily
    """The trials of a finished run and its reference latency (ms)."""
    from automl.run.rundir import STORE_FILE
    from automl.run.store import REFERENCE_KEY, RunStore

    store = RunStore(run_dir / STORE_FILE)
    try:
        return store.trials(), float(store.get_meta(REFERENCE_KEY))
    finally:
        store.close()


def front_hypervolume(points: list[tuple[float, float]], reference_ms: float) -> float:
    """Hypervolume of (accuracy, latency ms) points on the normalised (error, latency) axes."""
    from pymoo.indicators.hv import HV

    if not points:
        return 0.0
    cost = np.array([[(1.0 - a) / ERROR_SCALE, ms / reference_ms] for a, ms in points])
    return float(HV(ref_point=np.ones(2))(cost))


def test_score(records, reference_ms: float) -> float:  # noqa: ANN001 - automl.TrialRecord
    """The benchmark score: the validation front judged by its test accuracy."""
    from automl.run.front import pareto_front
    from search import Constraints

    front = pareto_front(records, ("accuracy", "latency"), Constraints())
    return front_hypervolume([(r.test_accuracy, r.latency_ms) for r in front], reference_ms)


def validation_score(records, reference_ms: float) -> float:  # noqa: ANN001
    """The same hypervolume on validation accuracy, over every trained trial."""
    from evaluators import TRAINED

    trained = [r for r in records if r.status in TRAINED]
    return front_hypervolume([(r.val_accuracy, r.latency_ms) for r in trained], reference_ms)
