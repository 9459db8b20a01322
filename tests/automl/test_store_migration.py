"""A run written by the first store format (before the gene schema and trial notes) resumes
with the current code: its trials are kept as they were and the budget is completed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from automl import open_run
from tests.cli import automl

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _rows(db: Path) -> dict[int, tuple]:
    with sqlite3.connect(db) as conn:
        query = "SELECT trial_id, status, genome, val_accuracy, latency_ms FROM trials"
        return {row[0]: row[1:] for row in conn.execute(query)}


def test_a_first_format_store_resumes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    with sqlite3.connect(run / "trials.db") as conn:
        conn.executescript((FIXTURES / "store_v1.sql").read_text())
    (run / "config.yaml").write_text((FIXTURES / "config_v1.yaml").read_text())
    before = _rows(run / "trials.db")
    assert before[5][0] == "RUNNING" and len(before) == 6

    proc = automl(
        "search", str(run / "config.yaml"), "--out", str(run), "--resume", "--budget", "8"
    )
    assert proc.returncode == 0, f"resuming a first-format store failed:\n{proc.stderr[-3000:]}"
    after = _rows(run / "trials.db")
    assert sorted(after) == list(range(8)), f"trials after resume: {sorted(after)}"
    for trial_id in range(5):
        assert after[trial_id] == before[trial_id], f"trial {trial_id} changed on resume"
    assert after[5][1] == before[5][1] and after[5][0] != "RUNNING", "trial 5 was not rerun"
    assert all(row[0] in ("COMPLETE", "PRUNED", "FAILED") for row in after.values())
    with sqlite3.connect(run / "trials.db") as conn:
        notes = conn.execute("SELECT notes FROM trials WHERE trial_id = 7").fetchone()[0]
    assert "ask_seconds" in notes, f"a new trial of the resumed run has notes {notes!r}"
    with sqlite3.connect(run / "trials.db") as conn:
        unrecorded = {
            row[0] for row in conn.execute("SELECT trial_id FROM trials WHERE weight_bytes IS NULL")
        }
    trained = [t for t in open_run(run).trials if t.status.trained]
    assert {t.trial_id for t in trained} & unrecorded, "no first-format trial lacks weight bytes"
    sizes = {t.trial_id: t.weight_bytes for t in trained}
    assert all(isinstance(size, int) and size > 0 for size in sizes.values()), (
        f"a trained trial reads without its weight bytes: {sizes}"
    )
