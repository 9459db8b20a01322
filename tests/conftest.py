"""Shared fixtures: tiny data and spaces so the suite stays fast on 2 cores, and one finished
run (a tiny real search on digits, made once per session) for the commands that read runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest
import torch
import yaml

from evaluators import TrainingData
from tests.cli import automl

torch.set_num_threads(1)


def make_training_data(
    n_train: int = 120, n_val: int = 60, shape=(1, 8, 8), classes: int = 3, seed: int = 0
) -> TrainingData:
    """Separable synthetic data: each class has its own mean pattern plus noise."""
    gen = torch.Generator().manual_seed(seed)
    centers = torch.rand((classes, *shape), generator=gen)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.arange(n) % classes
        x = (centers[y] + 0.15 * torch.randn((n, *shape), generator=gen)).clamp(0, 1)
        return x, y

    x_train, y_train = draw(n_train)
    x_val, y_val = draw(n_val)
    axes = (0, 2, 3) if len(shape) == 3 else (0,)
    return TrainingData(
        x_train, y_train, x_val, y_val, x_train.mean(dim=axes), x_train.std(dim=axes), classes
    )


@pytest.fixture
def tiny_data() -> TrainingData:
    return make_training_data()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


QUICK_LATENCY = {"blocks": 3, "warmup_calls": 5, "reference": False}
"""Latency for searches whose latencies only need to exist: without the reference network, a
measurement that a busy parent process disturbs is not repeated after a pause (up to 3 s, a
third of a tiny search's wall time). The reference path runs in test_security's search, the
example configs' searches and the trainer's drift tests."""

FINISHED_RUN_CONFIG = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [1, 2], "width": [8, 48], "max_epochs": 3},
    "search": {"population": 4, "evaluations": 10, "seed": 0, "pruning": {"enabled": False}},
    "evaluator": {"max_epochs": 3, "patience": 2, "workers": 2},
    "latency": QUICK_LATENCY,
}


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of a completed 10-trial search; tests may add files but not change it.
    What the search printed is in ``stdout.txt`` beside it."""
    base = tmp_path_factory.mktemp("finished")
    config = base / "config.yaml"
    config.write_text(yaml.safe_dump(FINISHED_RUN_CONFIG))
    run_dir = base / "run"
    proc = automl("search", str(config), "--out", str(run_dir))
    assert proc.returncode == 0, f"the shared search failed: {proc.stderr[-2000:]}"
    (base / "stdout.txt").write_text(proc.stdout)
    return run_dir


@pytest.fixture(scope="session", autouse=True)
def shared_font_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One matplotlib font cache for every command the suite runs (a run keeps its own by
    default and builds it anew, a third of a second each); test_security clears it to see
    what a user's run writes."""
    before = os.environ.get("MPLCONFIGDIR")
    os.environ["MPLCONFIGDIR"] = str(tmp_path_factory.mktemp("matplotlib"))
    yield
    if before is None:
        del os.environ["MPLCONFIGDIR"]
    else:
        os.environ["MPLCONFIGDIR"] = before
