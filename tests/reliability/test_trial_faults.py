"""Faults inside trials during a real search: a network too large for the workers' memory
cap, a learning rate that makes the loss non-finite, and a worker killed with SIGKILL from
outside. Each becomes a FAILED record with its reason and the search spends its budget.
(A trial past its timeout: tests/evaluators/test_pool.py.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest
import yaml

from evaluators import worker_processes
from tests.cli import finished_trials, start_automl
from tests.conftest import QUICK_LATENCY

pytestmark = pytest.mark.slow

BUDGET = 8
CONFIG = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    # widths up to 60,000 on two layers: the largest need gigabytes, past the cap below;
    # learning rates up to 10 with SGD: the loss overflows. Seed 23 draws one of each among
    # the first trials.
    "space": {
        "depth": [2, 2],
        "width": [16, 60000],
        "optimizers": ["sgd"],
        "lr": [1e-3, 10.0],
        "max_epochs": 2,
    },  # fmt: skip
    "search": {
        "population": 4,
        "evaluations": BUDGET,
        "seed": 23,
        "strategy": "random",
        "pruning": {"enabled": False},
    },  # fmt: skip
    "evaluator": {"max_epochs": 2, "patience": 2, "workers": 2, "worker_memory_mb": 2048},
    "latency": QUICK_LATENCY,
}


def test_failing_trials_are_recorded_with_their_reason_and_the_search_completes(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    run = tmp_path / "run"
    search = start_automl("search", "config.yaml", "--out", str(run), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while finished_trials(run) < 2 and time.monotonic() < deadline and search.poll() is None:
            time.sleep(0.1)
        workers = worker_processes(search.pid)
        assert workers, "no worker process found to kill"
        for pid in workers:  # both: at least one is mid-trial
            os.kill(pid, signal.SIGKILL)
    finally:
        _, errors = search.communicate(timeout=600)
    assert search.returncode == 0, f"the search did not complete: {errors[-2000:]}"
    with sqlite3.connect(run / "trials.db") as db:
        rows = db.execute("SELECT status, error FROM trials").fetchall()
    assert len(rows) == BUDGET and all(s in ("COMPLETE", "FAILED") for s, _ in rows), rows
    reasons = [error for status, error in rows if status == "FAILED"]
    assert all(reasons), "a FAILED trial has no reason"
    for expected in ("out of memory", "non-finite training loss", "worker process died"):
        assert any(expected in reason for reason in reasons), (
            f"no trial failed with {expected!r}; reasons: {reasons}"
        )
    assert any(status == "COMPLETE" for status, _ in rows), "no trial completed beside the faults"
