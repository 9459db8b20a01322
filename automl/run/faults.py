"""Crash and pause points for the fault-injection tests. With ``AUTOML_KILL_AT=NAME`` or
``NAME:N`` in the environment, the process sends itself SIGKILL the first (or N-th) time it
passes checkpoint NAME: a real kill at a chosen instant instead of a kill timed from outside.
With ``AUTOML_PAUSE_AT=NAME[:N]`` and ``AUTOML_PAUSE_FILE=PATH`` it writes ``PATH.paused``
there and waits until ``PATH`` exists: a test can act beside a search at a known state. Without
the variables a checkpoint does nothing."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

KILL_AT = "AUTOML_KILL_AT"
PAUSE_AT = "AUTOML_PAUSE_AT"
PAUSE_FILE = "AUTOML_PAUSE_FILE"
CHECKPOINTS = (
    "trial_started",  # a trial's row is in the store, the trial is running
    "trial_recorded",  # a result is committed to the store
    "weights_written",  # a result's weights are on disk, its store row not yet updated
    "front_evaluated",  # the first front member's test accuracy is stored
    "outputs_written",  # trials.csv is written, pareto.csv and pareto.png not yet
    "report_figures",  # report figures are written, report.html not yet
)
_passed: Counter[tuple[str, str]] = Counter()


def checkpoint(name: str) -> None:
    if _arrived(KILL_AT, name):
        os.kill(os.getpid(), signal.SIGKILL)
    if _arrived(PAUSE_AT, name):
        release = Path(os.environ[PAUSE_FILE])
        release.with_name(release.name + ".paused").touch()
        while not release.exists():
            time.sleep(0.05)


def _arrived(variable: str, name: str) -> bool:
    """Whether this pass of checkpoint ``name`` is the one ``variable`` names."""
    spec = os.environ.get(variable)
    if not spec:
        return False
    target, _, nth = spec.partition(":")
    if target != name:
        return False
    _passed[variable, name] += 1
    return _passed[variable, name] == int(nth or 1)
