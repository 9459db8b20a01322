"""End to end through the real ``automl`` command in subprocesses."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TINY = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [1, 2], "width": [8, 32], "max_epochs": 2},
    "search": {"population": 4, "evaluations": 6, "seed": 0},
    "evaluator": {"max_epochs": 2, "patience": 2},
    "latency": {"blocks": 3, "warmup_calls": 5},
}


def automl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "automl.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_config(path: Path, config: dict | str) -> Path:
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config))
    return path


def test_search_writes_a_complete_run_directory(tmp_path: Path) -> None:
    config = write_config(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "run"
    proc = automl(
        "search", str(config), "--out", str(out), "--workers", "2", "--budget", "6", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "Pareto front" in proc.stdout
    for name in ("config.yaml", "trials.db", "trials.csv", "pareto.csv", "pareto.png"):
        assert (out / name).is_file(), f"{name} missing from the run directory"
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["search"]["evaluations"] == 6 and resolved["evaluator"]["workers"] == 2

    with (out / "trials.csv").open() as handle:
        trials = list(csv.DictReader(handle))
    assert len(trials) == 6
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
        assert json.loads(row["genome"])["schema_version"] == 1
        assert (out / "weights" / f"trial_{int(row['trial_id']):05d}.pt").is_file()
    kept = sorted((out / "weights").glob("*.pt"))
    assert len(kept) == len(front), "weights of non-front trials should be removed"

    with sqlite3.connect(out / "trials.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM trials").fetchone()[0] == 6

    again = automl("search", str(config), "--out", str(out), cwd=tmp_path)
    assert again.returncode == 2 and "already holds a run" in again.stderr


BAD_CONFIGS = {
    "yaml_syntax": ("dataset: [digits\n", r"YAML syntax error at line 2"),
    "unknown_key": (
        {"search": {"populaton": 8}},
        r"unknown key `search.populaton`; allowed keys here: population",
    ),
    "unknown_section": ({"trainer": {}}, r"unknown key `trainer`; allowed keys here: dataset"),
    "wrong_type": (
        {"search": {"population": "many"}},
        r"`search.population`: input should be a valid integer.*got 'many'",
    ),
    "out_of_range": (
        {"search": {"population": 1}},
        r"`search.population`: input should be greater than or equal to 2; got 1",
    ),
    "bad_activation": (
        {"space": {"activations": ["relu", "swish"]}},
        r"space.activations has unknown choice 'swish'; allowed: .*'gelu'",
    ),
    "min_above_max": ({"space": {"depth": [4, 1]}}, r"space.depth must have low <= high"),
    "bad_dataset": (
        {"dataset": {"name": "imagenet"}},
        r"`dataset.name`: must be one of \['digits', 'mnist', 'fashion_mnist', 'cifar10', "
        r"'image_folder', 'csv', 'npz'\]; got 'imagenet'",
    ),
    "bad_objective": (
        {"objectives": ["accuracy", "speed"]},
        r"`objectives.1`: input should be 'accuracy'",
    ),
    "top_level_list": ("- 1\n- 2\n", r"the top level must be a mapping"),
    "bool_for_int": (
        {"search": {"evaluations": True}},
        r"`search.evaluations`: input should be a valid integer; got True",
    ),
    "nan_range": ("space:\n  lr: [.nan, 0.1]\n", r"`space.lr.0`: input should be a finite number"),
    "range_of_three": (
        {"space": {"depth": [1, 2, 3]}},
        r"`space.depth`: value should have at most 2 items.*got \[1, 2, 3\]",
    ),
    "bad_range_item": (
        {"space": {"depth": "abc"}},
        r"`space.depth.0`: input should be a valid integer; got 'abc'",
    ),
    "bad_family": (
        {"space": {"families": ["mlp", "rnn"]}},
        r"`space.families.1`: input should be 'mlp' or 'cnn'; got 'rnn'",
    ),
    "no_devices": (
        {"evaluator": {"devices": []}},
        r"`evaluator.devices`: value should have at least 1 item",
    ),
    "bad_device": (
        {"evaluator": {"devices": ["tpu"]}},
        r"`evaluator.devices`: must be 'auto' or a list of 'cpu'.*got \['tpu'\]",
    ),
    "unavailable_gpu": (
        {"evaluator": {"devices": ["cuda:7"]}},
        r"`evaluator.devices` entry 'cuda:7' is not available here",
    ),
    "bad_latency_device": (
        {"latency": {"device": "gpu"}},
        r"`latency.device`: string should match",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_fails_with_one_line_and_writes_nothing(tmp_path: Path, name: str) -> None:
    content, pattern = BAD_CONFIGS[name]
    config = write_config(tmp_path / f"{name}.yaml", content)
    out = tmp_path / "run"
    proc = automl("search", str(config), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stderr}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    assert str(config) in lines[0], "the message must name the file"
    assert re.search(pattern, lines[0]), f"{lines[0]!r} does not match {pattern!r}"
    assert not out.exists(), "a run directory was created for bad input"


def test_missing_config_file(tmp_path: Path) -> None:
    proc = automl(
        "search", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "run"), cwd=tmp_path
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path / 'nope.yaml'}: config file not found"
    assert not (tmp_path / "run").exists()


def test_bad_cli_flag_value(tmp_path: Path) -> None:
    config = write_config(tmp_path / "tiny.yaml", TINY)
    proc = automl("search", str(config), "--budget", "0", cwd=tmp_path)
    assert proc.returncode == 2 and "--budget" in proc.stderr


def test_search_on_a_local_ray_keeps_ray_files_inside_the_run(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed")
    config = write_config(
        tmp_path / "ray.yaml", {**TINY, "evaluator": {**TINY["evaluator"], "backend": "ray"}}
    )
    out = tmp_path / "r"
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
    assert ray_dir.is_dir() and any(ray_dir.iterdir()), "the run directory must lead to Ray's files"
    assert not any(home.iterdir()), f"Ray wrote into HOME: {list(home.iterdir())}"
