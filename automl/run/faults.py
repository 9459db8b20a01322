"""Crash points for the fault-injection tests. With ``AUTOML_KILL_AT=NAME`` or ``NAME:N`` in
the environment, the process sends itself SIGKILL the first (or N-th) time it passes
checkpoint NAME: a real kill at a chosen instant instead of a kill timed from outside. Without
the variable a checkpoint does nothing."""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_AT = "AUTOML_KILL_AT"
CHECKPOINTS = (
    "trial_started",  # a trial's row is in the store, the trial is running
    "trial_recorded",  # a result is committed to the store
    "weights_written",  # a result's weights are on disk, its store row not yet updated
    "front_evaluated",  # the first front member's test accuracy is stored
    "outputs_written",  # trials.csv is written, pareto.csv and pareto.png not yet
    "report_figures",  # report figures are written, report.html not yet
)
_passed: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    spec = os.environ.get(KILL_AT)
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    _passed[name] += 1
    if _passed[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
