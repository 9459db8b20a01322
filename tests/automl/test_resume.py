"""Resume through the real CLI: after the whole process group is killed from outside, after
Ctrl-C, and refusals of changed settings and of a second search on a running one (SIGKILL of
the search alone at chosen points: tests/reliability/test_kill_and_resume.py)."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from automl.api import search as search_in_process
from tests.automl.test_cli import TINY, automl, write_config
from tests.cli import automl_refusal, ctrl_c_as_in_a_terminal
from tests.conftest import FINISHED_RUN_CONFIG

pytestmark = pytest.mark.slow

FINISHED = {"COMPLETE", "PRUNED", "FAILED"}
KILLED_BUDGET = 8


def _finished(db: Path) -> dict[int, float]:
    """Trained trials by id; none while the store is still being created."""
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            rows = conn.execute(
                "SELECT trial_id, val_accuracy FROM trials WHERE status IN ('COMPLETE', 'PRUNED')"
            )
            return dict(rows.fetchall())
    except sqlite3.OperationalError:  # the file exists, its tables not yet
        return {}


def test_search_killed_with_sigkill_resumes_without_loss_or_repeats(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "tiny.yaml", {**TINY, "search": {**TINY["search"], "evaluations": KILLED_BUDGET}}
    )
    out = tmp_path / "run"
    args = [
        sys.executable,
        "-m",
        "automl.cli",
        "search",
        str(config),
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(_finished(out / "trials.db")) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, "the search ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _finished(out / "trials.db")
    assert 3 <= len(before) < KILLED_BUDGET, f"killed at the wrong moment: {len(before)} finished"

    search_in_process(config, out=out, workers=2, resume=True, console=Console(quiet=True))
    with sqlite3.connect(out / "trials.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT trial_id, status, genome_hash FROM trials").fetchall()
    assert len(rows) == KILLED_BUDGET and {status for _, status, _ in rows} <= FINISHED, rows
    hashes = [h for _, _, h in rows]
    assert len(set(hashes)) == KILLED_BUDGET, "a genome was trained twice"
    after = _finished(out / "trials.db")
    for trial_id, accuracy in before.items():
        assert after.get(trial_id) == accuracy, f"finished trial {trial_id} was lost or re-run"
    with (out / "trials.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == KILLED_BUDGET


def test_resume_refuses_changed_settings_and_missing_runs(
    finished_run: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "run.yaml", FINISHED_RUN_CONFIG)
    missing = automl_refusal("search", str(config), "--out", str(tmp_path / "none"), "--resume")
    assert missing.returncode == 2 and "holds no run to resume" in missing.stderr
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    base = FINISHED_RUN_CONFIG
    for key, changed_config in {
        "space.depth": {**base, "space": {**base["space"], "depth": [1, 3]}},
        "latency.threads": {**base, "latency": {**base["latency"], "threads": 2}},
        "search.pruning.eta": {
            **base,
            "search": {**base["search"], "pruning": {**base["search"]["pruning"], "eta": 2}},
        },
    }.items():
        changed = write_config(tmp_path / "changed.yaml", changed_config)
        proc = automl_refusal("search", str(changed), "--out", str(out), "--resume")
        assert proc.returncode == 2, f"a resume with another {key} was accepted"
        assert f"other settings for {key};" in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    budget = str(base["search"]["evaluations"] + 1)
    more = automl(
        "search", str(config), "--out", str(out), "--resume", "--budget", budget, "--workers", "1"
    )
    assert more.returncode == 0, f"a resume with a larger budget and other workers: {more.stderr}"
    with sqlite3.connect(out / "trials.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0] == int(budget)


def test_a_second_search_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "tiny.yaml", {**TINY, "search": {**TINY["search"], "evaluations": 200}}
    )
    out = tmp_path / "run"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "automl.cli",
            "search",
            str(config),
            "--out",
            str(out),
            "--workers",
            "1",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (out / "config.yaml").exists() and time.monotonic() < deadline:  # locked
            time.sleep(0.05)
        second = automl_refusal("search", str(config), "--out", str(out), "--resume")
        assert second.returncode == 2 and "another search is running" in second.stderr, (
            second.stderr
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()


def test_ctrl_c_stops_cleanly_and_the_run_can_resume(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "tiny.yaml", {**TINY, "search": {**TINY["search"], "evaluations": 200}}
    )
    out = tmp_path / "run"
    proc = subprocess.Popen(
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
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    deadline = time.monotonic() + 120
    while len(_finished(out / "trials.db")) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    with sqlite3.connect(out / "trials.db") as conn:
        statuses = [s for (s,) in conn.execute("SELECT status FROM trials")]
    assert "RUNNING" not in statuses and "INTERRUPTED" in statuses, statuses
    for name in ("trials.csv", "pareto.csv", "pareto.png"):
        assert (out / name).is_file(), f"{name} was not written on Ctrl-C"
    budget = len(statuses) + 2
    search_in_process(config, out=out, budget=budget, resume=True, console=Console(quiet=True))
    with sqlite3.connect(out / "trials.db") as conn:
        statuses = [s for (s,) in conn.execute("SELECT status FROM trials")]
    assert set(statuses) <= FINISHED, "interrupted trials were not re-run"


def test_ctrl_c_behind_another_error_still_stops_as_an_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while compiled code is being imported surfaces as that module's ValueError (seen
    when scikit-learn's trees were imported at the guided strategy's first refit under load):
    the command still says it was interrupted and exits 130, not with a traceback."""

    def interrupted_import(*_args: object, **_kwargs: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ValueError("'T{q:idx_start:}' is not a valid PEP 3118 buffer format") from exc

    monkeypatch.setattr("automl.api.search", interrupted_import)
    proc = automl_refusal("search", str(tmp_path / "any.yaml"), "--out", str(tmp_path / "run"))
    assert proc.returncode == 130, f"exit {proc.returncode}: {proc.stderr}"
    assert proc.stderr.startswith("interrupted:"), proc.stderr
