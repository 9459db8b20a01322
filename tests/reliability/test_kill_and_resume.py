"""The search process killed with SIGKILL at chosen points (a real signal, sent by the process
to itself at a checkpoint: ``automl.run.faults``), then resumed: the budget completes, nothing
finished is lost, no genome is trained twice, and the store stays intact."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from automl.api import open_run
from automl.api import search as search_in_process
from automl.run.faults import KILL_AT
from tests.cli import automl
from tests.conftest import QUICK_LATENCY

pytestmark = pytest.mark.slow

BUDGET = 6
CONFIG = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [1, 2], "width": [8, 32], "max_epochs": 2},
    "search": {"population": 4, "evaluations": BUDGET, "seed": 0},
    "evaluator": {"max_epochs": 2, "patience": 2, "workers": 2},
    "latency": QUICK_LATENCY,
}
FINISHED = ("COMPLETE", "PRUNED", "FAILED")


def _search(run: Path, *flags: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != KILL_AT}
    if kill_at:
        env[KILL_AT] = kill_at
    return automl("search", str(run.parent / "config.yaml"), "--out", str(run), *flags, env=env)


def _resume_here(run: Path) -> None:
    """Resume ``run`` to its end in the test process (the command line is tested above)."""
    search_in_process(run.parent / "config.yaml", out=run, resume=True, console=Console(quiet=True))


def _rows(run: Path) -> dict[int, tuple]:
    with sqlite3.connect(run / "trials.db") as db:
        return {
            row[0]: row[1:]
            for row in db.execute(
                "SELECT trial_id, status, genome_hash, val_accuracy, latency_ms, epochs FROM trials"
            )
        }


KILLS = (
    ("trial_recorded:3", "mid-run"),
    ("weights_written:2", "while recording a result"),
    ("front_evaluated:1", "during the final front evaluation"),
    ("outputs_written:1", "while writing the outputs"),
)
"""Where one run is killed, in order: each resume is killed at the next point, the last one
runs to the end (a run killed again while it resumes must lose nothing either). The first
kill leaves a trial running in the store, as a kill during the first trial would."""


def test_a_search_killed_again_and_again_resumes_to_the_full_budget_losing_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    run = tmp_path / "run"
    for step, (kill_at, when) in enumerate(KILLS):
        before = {i: row for i, row in _rows(run).items() if row[0] in FINISHED} if step else {}
        killed = _search(run, *(("--resume",) if step else ()), kill_at=kill_at)
        assert killed.returncode == -signal.SIGKILL, (
            f"killed {when}: the search was not killed (exit {killed.returncode}): "
            f"{killed.stderr[-800:]}"
        )
        _check_nothing_lost(run, before, f"killed {when}")
    before = {i: row for i, row in _rows(run).items() if row[0] in FINISHED}
    _resume_here(run)  # not killed: in this process, without a command's start-up
    _check_nothing_lost(run, before, "the last resume")
    finished = [i for i, row in _rows(run).items() if row[0] in FINISHED]
    assert len(finished) == BUDGET, f"{len(finished)} finished trials, not {BUDGET}"
    with sqlite3.connect(run / "trials.db") as db:
        untested = db.execute(
            "SELECT COUNT(*) FROM trials WHERE test_accuracy IS NULL AND trial_id IN "
            f"({','.join(str(i) for i in _front_ids(run))})"
        ).fetchone()[0]
    assert untested == 0, "front members left without a test accuracy"
    for name in ("trials.csv", "pareto.csv", "pareto.png"):
        assert (run / name).is_file(), f"{name} missing after the resume"
    assert not list(run.rglob("*.partial*")), "a partial file was left behind"


def _check_nothing_lost(run: Path, before: dict[int, tuple], when: str) -> None:
    """The trials finished before this process still hold what they held, no genome was
    trained twice, and the store is intact."""
    after = _rows(run)
    for trial_id, row in before.items():
        assert after[trial_id] == row, f"{when}: finished trial {trial_id} changed"
    hashes = [row[1] for row in after.values()]
    assert len(hashes) == len(set(hashes)), f"{when}: a genome was trained twice"
    with sqlite3.connect(run / "trials.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{when}: store"


def _front_ids(run: Path) -> list[int]:
    import csv

    with (run / "pareto.csv").open() as handle:
        return [int(row["trial_id"]) for row in csv.DictReader(handle)]


def test_report_killed_while_writing_is_rewritten_whole(finished_run: Path, tmp_path: Path):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    killed = automl("report", str(run), env={**os.environ, KILL_AT: "report_figures"})
    assert killed.returncode == -signal.SIGKILL, "the report was not killed"
    assert not (run / "report.html").exists(), "a report.html appeared though it was not written"
    open_run(run).report()
    assert "</html>" in (run / "report.html").read_text(), "report.html is not whole"
    with sqlite3.connect(run / "trials.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_killed_guided_search_resumes_to_the_trials_of_an_uninterrupted_one(tmp_path: Path):
    """Generational mode, one worker, objectives that do not depend on the clock: a guided
    search killed mid-run and resumed (its models refitted from the store) trains exactly
    the networks an uninterrupted run trains."""
    config = {
        **CONFIG,
        "search": {"population": 3, "evaluations": 6, "seed": 2, "mode": "generational",
                   "strategy": "guided", "guided": {"startup": 3}},
        "objectives": ["accuracy", "params"],
        "evaluator": {**CONFIG["evaluator"], "workers": 1},
    }  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    search_in_process(config, out=whole, console=Console(quiet=True))  # here: no start-up
    assert _search(killed, kill_at="trial_recorded:4").returncode == -signal.SIGKILL
    _resume_here(killed)
    uninterrupted = {i: row[1] for i, row in _rows(whole).items()}
    again = {i: row[1] for i, row in _rows(killed).items()}
    assert again == uninterrupted, "the resumed search trained other networks"
