"""End to end through the real ``automl`` command in subprocesses."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from genomes import SCHEMA_VERSION
from tests.cli import automl
from tests.conftest import FINISHED_RUN_CONFIG, QUICK_LATENCY

BUDGET = FINISHED_RUN_CONFIG["search"]["evaluations"]

TINY = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [1, 2], "width": [8, 32], "max_epochs": 2},
    "search": {"population": 4, "evaluations": 6, "seed": 0},
    "evaluator": {"max_epochs": 2, "patience": 2},
    "latency": QUICK_LATENCY,
}


def write_config(path: Path, config: dict | str) -> Path:
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config))
    return path


def test_search_writes_a_complete_run_directory(finished_run: Path, tmp_path: Path) -> None:
    out = finished_run
    assert "Pareto front" in (out.parent / "stdout.txt").read_text()
    for name in ("config.yaml", "trials.db", "trials.csv", "pareto.csv", "pareto.png"):
        assert (out / name).is_file(), f"{name} missing from the run directory"
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["search"]["evaluations"] == BUDGET and resolved["evaluator"]["workers"] == 2

    with (out / "trials.csv").open() as handle:
        trials = list(csv.DictReader(handle))
    assert len(trials) == BUDGET
    required = {
        "trial_id",
        "status",
        "val_accuracy",
        "latency_ms",
        "params",
        "epochs",
        "seconds",
        "error",
    }
    assert required <= set(trials[0]), f"trials.csv lacks {required - set(trials[0])}"
    assert {t["status"] for t in trials} <= {"COMPLETE", "PRUNED"}, trials

    with (out / "pareto.csv").open() as handle:
        front = list(csv.DictReader(handle))
    assert front, "empty front"
    required = {
        "trial_id",
        "val_accuracy",
        "test_accuracy",
        "latency_ms",
        "params",
        "flops",
        "genome",
    }
    assert required <= set(front[0]), f"pareto.csv lacks {required - set(front[0])}"
    for row in front:
        assert 0.0 <= float(row["test_accuracy"]) <= 1.0
        assert json.loads(row["genome"])["schema_version"] == SCHEMA_VERSION
        assert (out / "weights" / f"trial_{int(row['trial_id']):05d}.pt").is_file()
    kept = sorted((out / "weights").glob("*.pt"))
    assert len(kept) == len(front), "weights of non-front trials should be removed"

    with sqlite3.connect(out / "trials.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM trials").fetchone()[0] == BUDGET

    config = write_config(tmp_path / "again.yaml", FINISHED_RUN_CONFIG)
    again = automl("search", str(config), "--out", str(out), cwd=tmp_path)
    assert again.returncode == 2 and "already holds a run" in again.stderr


@pytest.mark.ray
@pytest.mark.slow
def test_search_on_a_local_ray_keeps_ray_files_inside_the_run(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed")
    config = write_config(
        tmp_path / "ray.yaml", {**TINY, "evaluator": {**TINY["evaluator"], "backend": "ray"}}
    )
    short = Path(tempfile.mkdtemp(prefix="ar", dir="/tmp"))  # Ray's sockets fit under it
    out = short / "r"
    home = tmp_path / "home"
    home.mkdir()
    env_home = {"HOME": str(home), "MPLCONFIGDIR": str(tmp_path / "mpl")}  # fonts cache aside
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "automl.cli",
            "search",
            str(config),
            "--out",
            str(out),
            "--workers",
            "2",
            "--budget",
            "4",
        ],
        cwd=tmp_path,
        env={**os.environ, **env_home},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    with (out / "trials.csv").open() as handle:
        statuses = [row["status"] for row in csv.DictReader(handle)]
    assert len(statuses) == 4 and set(statuses) <= {"COMPLETE", "PRUNED"}, statuses
    ray_dir = out / "ray"
    try:
        assert ray_dir.is_dir() and any(ray_dir.iterdir()), "Ray's files must be in RUN/ray"
        assert not any(home.iterdir()), f"Ray wrote into HOME: {list(home.iterdir())}"
    finally:
        shutil.rmtree(short, ignore_errors=True)
