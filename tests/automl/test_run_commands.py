"""report, study and status through the real command line: outputs, bad input, and status
beside a running search."""

from __future__ import annotations

import csv
import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from automl.run.status import SPARKS, sparkline
from automl.run.store import RunStore
from tests.cli import COMMAND, automl, automl_refusal, start_automl
from tests.conftest import FINISHED_RUN_CONFIG


def _empty_run(tmp_path: Path) -> Path:
    """A run directory whose search has recorded no trained trial."""
    run = tmp_path / "fresh"
    run.mkdir()
    (run / "config.yaml").write_text(yaml.safe_dump(FINISHED_RUN_CONFIG))
    RunStore(run / "trials.db").close()
    return run


@pytest.mark.parametrize(
    "args, expected",
    [
        (["report", "{missing}"], "no such run directory"),
        (["report", "{plain}"], "not a run directory"),
        (["study", "{missing}"], "no such run directory"),
        (["study", "{run}", "--device", "cuda:99"], "`--device`"),
        (["study", "{run}", "--batch-sizes", "1,x"], "positive ints separated by commas"),
        (["study", "{run}", "--budgets-ms", "-1"], "positive floats"),
        (["study", "{run}", "--name", "../up"], "is not a study name"),
        (["study", "{run}", "--device", "cpu,cuda:99"], "`--device`"),
        (["status", "{missing}"], "no such run directory"),
    ],
    ids=[
        "report missing",
        "report plain dir",
        "study missing",
        "study no such GPU",
        "study bad batch sizes",
        "study negative budget",
        "study name with a path",
        "study second device no such GPU",
        "status missing",
    ],  # fmt: skip
)
def test_bad_input_is_one_line_and_exit_2(
    finished_run: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "plain").mkdir()
    paths = {"missing": tmp_path / "nowhere", "plain": tmp_path / "plain", "run": finished_run}
    before = sorted(p.name for p in finished_run.iterdir())
    proc = automl_refusal(*[a.format(**paths) for a in args])
    assert proc.returncode == 2, f"{args}: exit {proc.returncode}: {proc.stderr[-800:]}"
    assert expected in proc.stderr, f"{args}: {expected!r} not in {proc.stderr!r}"
    assert len(proc.stderr.strip().splitlines()) == 1, f"{args}: not one line: {proc.stderr!r}"
    after = sorted(p.name for p in finished_run.iterdir() if not p.name.endswith("-shm"))
    assert [n for n in after if n not in before] == [], f"{args}: files were written"


def test_report_and_study_on_a_run_without_trained_trials_refuse(tmp_path: Path) -> None:
    run = _empty_run(tmp_path)
    for command in ("report", "study"):
        proc = automl_refusal(command, str(run))
        assert proc.returncode == 2, f"{command}: exit {proc.returncode}: {proc.stderr[-800:]}"
        assert "no finished trial yet" in proc.stderr, f"{command}: {proc.stderr!r}"
    proc = automl("status", str(run))
    assert proc.returncode == 0 and "0 of 10 trials finished" in proc.stdout, proc.stdout


def test_studies_are_kept_side_by_side_and_never_overwritten(finished_run: Path, tmp_path: Path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    proc = automl("study", str(run), "--batch-sizes", "1,8", "--budgets-ms", "1000,1e-9")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "cpu b=8 t=1, budget 1000 ms: trial" in proc.stdout, proc.stdout
    assert "budget 1e-09 ms: none (the fastest takes" in proc.stdout, proc.stdout
    runtime = "exported"  # the quickest to convert; each runtime is timed in test_runtimes
    second = automl(
        "study", str(run), "--threads", "2", "--runtimes", runtime, "--name", "two-threads"
    )
    assert second.returncode == 0, second.stderr[-2000:]
    for folder in ("cpu_b1-8_t1", "two-threads"):
        for name in ("study.csv", "study_picks.csv", "study.png"):
            assert (run / "studies" / folder / name).is_file(), f"{folder}/{name} missing"
    with (run / "studies" / "two-threads" / "study.csv").open() as handle:
        runtimes = {row["runtime"] for row in csv.DictReader(handle)}
    assert runtimes == {runtime}, f"the study timed in {runtimes}, not {runtime}"
    kept = (run / "studies" / "two-threads" / "study.csv").read_bytes()
    again = automl_refusal("study", str(run), "--name", "two-threads")
    assert again.returncode == 2 and "studies are never overwritten" in again.stderr, again.stderr
    assert (run / "studies" / "two-threads" / "study.csv").read_bytes() == kept


def test_status_answers_while_a_search_runs_and_does_not_disturb_it(tmp_path: Path) -> None:
    config = {**FINISHED_RUN_CONFIG, "search": {**FINISHED_RUN_CONFIG["search"], "evaluations": 6}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run, release = tmp_path / "run", tmp_path / "release"
    pause = {"AUTOML_PAUSE_AT": "trial_recorded:2", "AUTOML_PAUSE_FILE": str(release)}
    search = start_automl("search", "config.yaml", "--out", str(run), cwd=tmp_path, env=pause)
    try:
        paused = release.with_name("release.paused")
        while not paused.exists():  # the search holds at its second recorded result
            assert search.poll() is None, "the search ended before it reached the pause"
            time.sleep(0.05)
        proc = automl("status", str(run))
        assert proc.returncode == 0, proc.stderr
        assert "search running" in proc.stdout, f"status did not see the search: {proc.stdout}"
        assert "2 of 6 trials finished" in proc.stdout, proc.stdout
        watch = subprocess.Popen(
            [*COMMAND, "status", str(run), "--watch", "--interval", "0.2"],
            env={**os.environ, "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        release.touch()
        _, errors = search.communicate(timeout=300)
    assert search.returncode == 0, f"the search failed beside status: {errors[-2000:]}"
    watched, watch_errors = watch.communicate(timeout=120)  # it ends when the search has
    assert watch.returncode == 0, f"status --watch failed: {watch_errors[-2000:]}"
    assert "search not running; 6 of 6 trials finished" in watched, watched
    assert any(spark in watched for spark in SPARKS), f"no hypervolume sparkline: {watched}"
    proc = automl("status", str(run))
    assert "search not running; 6 of 6 trials finished" in proc.stdout, proc.stdout


def test_sparkline_spans_lowest_to_highest_and_keeps_the_last_value() -> None:
    assert sparkline([0.1, 0.2, 0.4]) == SPARKS[0] + SPARKS[2] + SPARKS[-1]
    long = sparkline(list(range(100)))
    assert len(long) == 40 and long[0] == SPARKS[0] and long[-1] == SPARKS[-1], long
    assert sparkline([]) == "" and sparkline([0.5, 0.5]) == SPARKS[0] * 2
