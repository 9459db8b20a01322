"""A finished run shared by the export, report and study tests: one tiny real search on
digits, made once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

FINISHED_RUN_CONFIG = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [1, 2], "width": [8, 48], "max_epochs": 3},
    "search": {"population": 4, "evaluations": 10, "seed": 0, "pruning": {"enabled": False}},
    "evaluator": {"max_epochs": 3, "patience": 2, "workers": 2},
    "latency": {"blocks": 5, "warmup_calls": 10},
}


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of a completed 10-trial search; tests may add files but not change it."""
    base = tmp_path_factory.mktemp("finished")
    config = base / "config.yaml"
    config.write_text(yaml.safe_dump(FINISHED_RUN_CONFIG))
    run_dir = base / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "automl.cli", "search", str(config), "--out", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, f"the shared search failed: {proc.stderr[-2000:]}"
    return run_dir
