"""Trial functions that do no training, for measuring the pools' own per-trial overhead."""

from __future__ import annotations

from evaluators.data import TrainingData
from evaluators.trial import TrialRequest, TrialResult, TrialStatus


def noop_trial(
    request: TrialRequest, data: TrainingData, settings: object, cache: dict, worker: int | None
) -> TrialResult:
    """Answer at once: what remains of a trial's time is the pool's own overhead."""
    return TrialResult(
        request.trial_id,
        TrialStatus.COMPLETE,
        val_accuracy=0.0,
        latency_ms=0.0,
        params=0,
        flops=0,
        worker=worker,
    )
