"""The disk filling up during a search: a real full file system (a small tmpfs; the test
skips where it cannot mount one), a one-line error, a valid store, and a run that resumes to
its full budget once there is space again."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from automl.api import search as search_in_process
from tests.cli import automl
from tests.conftest import QUICK_LATENCY

pytestmark = pytest.mark.slow

BUDGET = 12
CONFIG = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [2, 2], "width": [200, 256], "max_epochs": 1},  # ~300 kB of weights each
    "search": {"population": 4, "evaluations": BUDGET, "seed": 0},
    "evaluator": {"max_epochs": 1, "patience": 1, "workers": 2, "keep_weights": "all"},
    "latency": QUICK_LATENCY,
}


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if proc.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_stops_cleanly_keeps_the_store_valid_and_resumes(tmp_path, small_disk):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    run = small_disk / "run"
    proc = automl("search", str(config), "--out", str(run))
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    message = proc.stderr.strip()
    assert len(message.splitlines()) == 1, f"not one line: {message}"
    full = ("No space left on device", "database or disk is full")  # the OS's or SQLite's
    assert "cannot write" in message and any(f in message for f in full), message
    assert "--resume" in message, "the message does not say how to continue"
    with sqlite3.connect(run / "trials.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded = db.execute("SELECT COUNT(*) FROM trials WHERE finished_at IS NOT NULL")
        assert 0 < recorded.fetchone()[0] < BUDGET, "the disk did not fill mid-search"
    assert not list(run.rglob("*.partial*")), "a partial file was left on the full disk"
    moved = tmp_path / "run"
    shutil.copytree(run, moved)  # space again: the same run on a larger disk
    search_in_process(config, out=moved, resume=True, console=Console(quiet=True))
    with sqlite3.connect(moved / "trials.db") as db:
        finished = db.execute("SELECT COUNT(*) FROM trials WHERE status IN "
                              "('COMPLETE', 'PRUNED', 'FAILED')").fetchone()[0]  # fmt: skip
    assert finished == BUDGET, f"{finished} finished trials after the resume, not {BUDGET}"
