"""Final training (``automl retrain``): a pruned network trained again from scratch beats its
search-time weights on test, export ships seed 0's retrained weights (checked in a bare
interpreter), a rerun trains only the seeds not yet recorded, and bad input is refused."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import torch
from rich.console import Console

import automl
from automl.data import load_dataset
from evaluators import accuracy_of, as_model_input
from tests.automl.test_export import check_in_a_bare_interpreter
from tests.cli import automl as automl_command
from tests.cli import automl_refusal
from tests.conftest import QUICK_LATENCY

pytestmark = pytest.mark.slow

QUIET = Console(quiet=True)
PRUNING_CONFIG = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "objectives": ["accuracy", "params"],
    "space": {"depth": [1, 2], "width": [8, 32], "max_epochs": 6},
    "search": {
        "population": 4,
        "evaluations": 12,
        "seed": 0,
        # prune at every rung once 3 trials passed it: most trials stop after an epoch or two
        "pruning": {"min_pairs": 3, "min_correlation": -1.0, "eta": 2},
    },
    "evaluator": {"max_epochs": 6, "patience": 2, "workers": 2, "keep_weights": "all"},
    "latency": QUICK_LATENCY,
}


def _retrained_rows(run_dir: Path) -> list[tuple]:
    with sqlite3.connect(run_dir / "trials.db") as db:
        return db.execute(
            "SELECT trial_id, seed_index, epochs, status, test_accuracy, finished_at "
            "FROM retrained ORDER BY trial_id, seed_index"
        ).fetchall()


def test_retraining_a_pruned_network_raises_its_test_accuracy(tmp_path: Path) -> None:
    run = automl.search(PRUNING_CONFIG, out=tmp_path / "run", console=QUIET)
    pruned = [r for r in run.trials if r.status.value == "PRUNED"]
    assert pruned, "the search pruned nothing: the test needs a pruned trial"
    shortest = min(pruned, key=lambda r: (r.epochs, r.trial_id))
    splits = load_dataset(run.config.dataset)
    before = accuracy_of(run.load_model(shortest.trial_id), splits.x_test, splits.y_test)

    proc = automl_command(
        "retrain", str(run.path), "--trial", str(shortest.trial_id), "--seeds", "1"
    )
    assert proc.returncode == 0, f"retrain failed: {proc.stderr[-2000:]}"
    ((trial_id, seed_index, epochs, status, after, _),) = _retrained_rows(run.path)
    assert (trial_id, seed_index, status) == (shortest.trial_id, 0, "COMPLETE")
    assert epochs == 6, f"a pruned trial is retrained for its full budget of 6, not {epochs}"
    assert after > before, (
        f"trial {trial_id}, pruned after {shortest.epochs} epoch(s): retrained test accuracy "
        f"{after:.4f} is not above the search-time {before:.4f}"
    )
    assert f"trial {trial_id}: test {after:.4f}" in proc.stdout, proc.stdout


def test_export_ships_seed_0_and_a_rerun_trains_only_the_missing_seeds(
    finished_run: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    run = automl.open_run(run_dir)
    (summary,) = run.retrain(pick="accuracy", seeds=2, epochs=2, console=QUIET)
    first = _retrained_rows(run_dir)
    assert [(row[1], row[2], row[3]) for row in first] == [(0, 2, "COMPLETE"), (1, 2, "COMPLETE")]
    assert summary.seeds == 2 and summary.first_seed == first[0][4]

    (again,) = run.retrain(pick="accuracy", seeds=3, epochs=2, console=QUIET)
    rows = _retrained_rows(run_dir)
    assert rows[:2] == first, "a rerun retrained seeds that were already recorded"
    assert len(rows) == 3 and again.seeds == 3, rows

    out = tmp_path / "export"
    run.export(out, pick="accuracy")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["weights"] == "retrained", metrics
    assert metrics["retrained"]["test_accuracy_shipped_seed"] == first[0][4]
    assert metrics["retrained"]["seeds"] == 3

    from automl.run.finished import open_run as read_run

    finished = read_run(run_dir)
    record = finished.record(summary.trial_id)
    splits = load_dataset(finished.config.dataset)
    x = as_model_input(splits.x_test)
    with torch.inference_mode():
        logits = finished.load_model(record, retrained=True)(x)
    report = check_in_a_bare_interpreter(out, x, splits.y_test, logits)
    assert report["eager_diff"] <= 1e-5, f"model.py + weights.pt differ by {report['eager_diff']}"
    assert report["accuracy"] == first[0][4], (
        f"the exported network scores {report['accuracy']} on test, seed 0 recorded "
        f"{first[0][4]}: export did not ship seed 0's weights"
    )
    html = run.report()[0].read_text()
    assert "retrained test acc" in html, "the report does not show the retrained accuracy"

    changed = automl_refusal("retrain", str(run_dir), "--pick", "accuracy", "--epochs", "3")
    assert changed.returncode == 2 and "retrained for 2 epochs" in changed.stderr, changed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--trial", "999"), "--trial 999: no such trial"),
        (("--front", "--seeds", "0"), "'--seeds': 0 is not in the range"),
        ((), "give one of --trial ID"),
        (("--front", "--pick", "knee"), "give one of --trial ID"),
    ],
)
def test_bad_retrain_input_is_refused_and_nothing_is_written(
    finished_run: Path, args: tuple[str, ...], message: str
) -> None:
    before = sorted(p.name for p in finished_run.rglob("*"))
    proc = automl_refusal("retrain", str(finished_run), *args)
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stderr}"
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert sorted(p.name for p in finished_run.rglob("*")) == before, "the refusal wrote files"
