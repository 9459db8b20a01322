"""Trial functions that do no training, for measuring the pools' own per-trial overhead."""

from __future__ import annotations

from evaluators.data import TrainingData
from evaluators.trial import TrialRequest, TrialResult, TrialStatus


def noop_trial(
    request: TrialRequest, data: TrainingData, settings: object, state: object, worker: int | None
) -> TrialResult:
    """Answer at once: what remains of a trial's time is the pool's own overhead."""
    return TrialResult(
        request.trial_id,
        TrialStatus.COMPLETE,
        val_accuracy=0.0,
        latency_ms=0.0,
        params=0,
        flops=0,
        weight_bytes=0,
        worker=worker,
    )


def crash_trial(
    request: TrialRequest, data: TrainingData, settings: object, state: object, worker: int | None
) -> TrialResult:
    """Kill the worker process on even trial ids, as a segfault or the OOM killer would, and
    answer at once on odd ones: one pool shows both the crash and the replaced worker."""
    import os

    if request.trial_id % 2 == 0:
        os._exit(13)
    return noop_trial(request, data, settings, state, worker)
