"""Warm starts: a search seeded by a finished run trains that run's front first; a run whose
networks do not fit the new space is refused by the command before anything is written."""

from __future__ import annotations

import copy
import csv
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from rich.console import Console

import automl
from tests.cli import automl_refusal
from tests.conftest import FINISHED_RUN_CONFIG

pytestmark = pytest.mark.slow


def _config(tmp_path: Path, warm_from: Path, **space) -> Path:
    config = copy.deepcopy(FINISHED_RUN_CONFIG)
    config["search"].update(evaluations=4, warm_start=[str(warm_from)])
    config["space"].update(space)
    path = tmp_path / "warm.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_warm_started_search_trains_the_earlier_front_first(
    finished_run: Path, tmp_path: Path
) -> None:
    with (finished_run / "pareto.csv").open() as handle:
        front = [json.loads(row["genome"]) for row in csv.DictReader(handle)]
    out = tmp_path / "run"
    automl.search(_config(tmp_path, finished_run), out=out, console=Console(quiet=True))
    with sqlite3.connect(out / "trials.db") as db:
        genomes = [
            json.loads(g) for (g,) in db.execute("SELECT genome FROM trials ORDER BY trial_id")
        ]
    first = genomes[: min(len(front), len(genomes))]
    assert all(g in front for g in first), "the first trials are not the earlier run's front"


def test_a_run_whose_networks_do_not_fit_is_refused(finished_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    config = _config(tmp_path, finished_run, width=[8, 9])  # the earlier run searched 8..48
    proc = automl_refusal("search", str(config), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert "does not fit this space" in proc.stderr and str(config) in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists(), "a run directory was written for a refused warm start"
