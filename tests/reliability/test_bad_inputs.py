"""Bad command-line flags, run directories and stores through the real CLI: one line naming
the input and the rule, exit code 2, and nothing written. (Bad configs:
tests/automl/test_cli.py; bad dataset files: test_bad_dataset_files.py; bad export, report and
study input: tests/automl/test_export.py and test_run_commands.py.)"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from automl.cli import main
from tests.conftest import FINISHED_RUN_CONFIG

TINY = {
    "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
    "space": {"depth": [1, 2], "width": [8, 32], "max_epochs": 2},
    "search": {"population": 4, "evaluations": 4, "seed": 0},
    "evaluator": {"max_epochs": 2, "patience": 2, "workers": 1},
}


def _config(tmp: Path, config: dict = TINY) -> str:
    (tmp / "config.yaml").write_text(yaml.safe_dump(config))
    return str(tmp / "config.yaml")


def _copy_run(finished: Path, tmp: Path) -> Path:
    run = tmp / "run"
    shutil.copytree(finished, run)
    return run


def _edit_store(run: Path, sql: str, *args: object) -> Path:
    with closing(sqlite3.connect(run / "trials.db")) as db, db:
        db.execute(sql, args)
    return run


def _garbled_store(run: Path) -> Path:
    for suffix in ("-wal", "-shm"):
        (run / f"trials.db{suffix}").unlink(missing_ok=True)
    (run / "trials.db").write_bytes(b"this is not a database" * 100)
    return run


def _code_in_genome(run: Path) -> Path:
    """A store whose front member's genome carries code in its activation field."""
    with closing(sqlite3.connect(run / "trials.db")) as db, db:
        trial_id, genome = db.execute(
            "SELECT trial_id, genome FROM trials WHERE test_accuracy IS NOT NULL"
        ).fetchone()
        data = json.loads(genome)
        data["layers"][0]["activation"] = "ReLU()\nimport os; os.system('touch PWNED')  #"
        db.execute("UPDATE trials SET genome=? WHERE trial_id=?", (json.dumps(data), trial_id))
    (run / "code_trial").write_text(str(trial_id))
    return run


Case = Callable[[Path, Path], tuple[list[str], list[str]]]
CASES: dict[str, Case] = {
    "--budget 0": lambda tmp, run: (["search", _config(tmp), "--budget", "0"], ["--budget"]),
    "--workers 0": lambda tmp, run: (["search", _config(tmp), "--workers", "0"], ["--workers"]),
    "--seed not a number": lambda tmp, run: (
        ["search", _config(tmp), "--seed", "abc"],
        ["--seed", "'abc'"],
    ),
    "unknown flag": lambda tmp, run: (["search", _config(tmp), "--epochs", "3"], ["--epochs"]),
    "missing config argument": lambda tmp, run: (["search"], ["CONFIG.yaml"]),
    "unknown command": lambda tmp, run: (["serach", _config(tmp)], ["serach"]),
    "--resume without a run": lambda tmp, run: (
        ["search", _config(tmp), "--out", str(tmp / "empty"), "--resume"],
        ["no run to resume"],
    ),
    "--resume with other settings": lambda tmp, run: (
        [
            "search",
            _config(tmp, {**TINY, "space": {**TINY["space"], "depth": [1, 3]}}),
            "--out",
            str(_copy_run(run, tmp)),
            "--resume",
        ],
        ["other settings for", "space.depth"],
    ),  # fmt: skip
    "a run directory that holds a run": lambda tmp, run: (
        ["search", _config(tmp), "--out", str(_copy_run(run, tmp))],
        ["already holds a run"],
    ),
    "a garbled store": lambda tmp, run: (
        [
            "search",
            _config(tmp, FINISHED_RUN_CONFIG),
            "--out",
            str(_garbled_store(_copy_run(run, tmp))),
            "--resume",
        ],
        ["not a readable trial store"],
    ),
    "a store from a newer version": lambda tmp, run: (
        [
            "status",
            str(
                _edit_store(
                    _copy_run(run, tmp), "UPDATE meta SET value='99' WHERE key='schema_version'"
                )
            ),
        ],
        ["schema version 99 is newer"],
    ),  # fmt: skip
    "cnn on a table": lambda tmp, run: (
        ["search", _csv_config(tmp)],
        ["'cnn', which needs image inputs"],
    ),
    "a genome carrying code": lambda tmp, run: (
        [
            "export",
            str(_code_in_genome(_copy_run(run, tmp))),
            "--trial",
            (tmp / "run" / "code_trial").read_text(),
            "--out",
            str(tmp / "export"),
        ],
        ["activation"],
    ),  # fmt: skip
    "--trial with --max-latency-ms": lambda tmp, run: (
        ["export", str(run), "--trial", "1", "--max-latency-ms", "1", "--out", str(tmp / "e")],
        ["--max-latency-ms goes with --pick"],
    ),
    "report on a file": lambda tmp, run: (
        ["report", str(run / "trials.csv")],
        ["no such run directory"],
    ),
    "study --threads 0": lambda tmp, run: (["study", str(run), "--threads", "0"], ["positive"]),
}


def _csv_config(tmp: Path) -> str:
    rows = "".join(f"{i},{i % 5},{i % 2}\n" for i in range(40))
    (tmp / "table.csv").write_text("a,b,label\n" + rows)
    config = {**TINY, "dataset": {"name": "csv", "path": str(tmp / "table.csv")},
              "space": {**TINY["space"], "families": ["mlp", "cnn"]}}  # fmt: skip
    return _config(tmp, config)


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-shm", "-wal"))
    }


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_gives_one_line_exit_2_and_writes_nothing(finished_run, tmp_path, case):
    (tmp_path / "empty").mkdir()
    args, expected = CASES[case](tmp_path, finished_run)
    before = _snapshot(tmp_path)
    result = CliRunner().invoke(main, args)
    message = result.stderr.strip()
    assert result.exit_code == 2, f"{case}: exit {result.exit_code}: {result.output[-800:]}"
    assert len(message.splitlines()) == 1, f"{case}: not one line: {message!r}"
    for fragment in expected:
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"
    assert _snapshot(tmp_path) == before, f"{case}: files were written or changed"
    assert not Path("PWNED").exists(), "code from a genome ran"
