"""`write_report` on the shared finished run: the files, the self-contained page, its tables,
and a headless browser that checks the figures decode."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from automl.report.builder import run_statistics, write_report
from automl.report.importance import MIN_TRIALS
from automl.run.finished import FinishedRun, open_run
from evaluators import TrialStatus

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FIGURES = ("pareto.png", "hypervolume.png", "curves.png")


@pytest.fixture(scope="module")
def reported(finished_run: Path, tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    """A copy of the shared run with its report written: the report replaces pareto.png, and
    the shared directory must not change."""
    run_dir = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(finished_run, run_dir)
    run = open_run(run_dir)
    written = write_report(run)
    expected = [run_dir / name for name in ("report.html", *FIGURES)]
    assert written == expected, f"write_report returned {written}, expected {expected}"
    return run


def _html(run: FinishedRun) -> str:
    return (run.run_dir / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FIGURES)
def test_figures_are_pngs(reported: FinishedRun, name: str) -> None:
    data = (reported.run_dir / name).read_bytes()
    assert data.startswith(PNG_MAGIC), f"{name} does not start with the PNG signature"
    assert len(data) > 5000, f"{name} is only {len(data)} bytes: an empty figure?"


def test_no_partial_files_left(reported: FinishedRun) -> None:
    leftovers = sorted(p.name for p in reported.run_dir.glob(".*partial*"))
    assert not leftovers, f"temporary files left behind by atomic writes: {leftovers}"


def test_report_is_self_contained(reported: FinishedRun) -> None:
    html = _html(reported)
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not external, f"report.html references external resources: {external}"
    assert "@import" not in html and "url(" not in html, "report.html style loads a resource"
    images = re.findall(r'<img[^>]*class="figure"[^>]*>', html)
    assert len(images) == 3, f"expected 3 figure images, found {len(images)}"
    for image in images:
        assert 'src="data:image/png;base64,' in image, f"figure not embedded: {image[:120]}"
    for name in ("pareto", "hypervolume", "curves"):
        assert f'id="{name}"' in html, f"no figure with id {name!r} in report.html"


def test_front_table(reported: FinishedRun) -> None:
    html = _html(reported)
    table = re.search(r'<table id="front-table">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, "report.html has no front table with a tbody"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    assert len(rows) == len(reported.front), (
        f"front table has {len(rows)} rows, the front has {len(reported.front)} members"
    )
    for row, member in zip(rows, reported.front, strict=True):
        assert row.startswith(f"<td>{member.trial_id}</td>"), (
            f"front row does not start with trial id {member.trial_id}: {row[:80]}"
        )
        assert f"{member.val_accuracy:.4f}" in row, f"trial {member.trial_id}'s accuracy missing"


def test_a_report_that_fails_midway_leaves_the_old_one(
    reported: FinishedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(reported.run_dir, run_dir)
    old = (run_dir / "report.html").read_text(encoding="utf-8")

    def half_then_fail(self: Path, text: str, *args: object, **kwargs: object) -> int:
        self.write_bytes(text[: len(text) // 2].encode())
        raise OSError("no space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError):
        write_report(dataclasses.replace(reported, run_dir=run_dir))
    assert (run_dir / "report.html").read_text(encoding="utf-8") == old, "report.html changed"
    leftovers = sorted(p.name for p in run_dir.glob("*partial*"))
    assert not leftovers, f"a failed report write left partial files: {leftovers}"


def test_run_statistics(reported: FinishedRun) -> None:
    html = _html(reported)
    finished = sum(r.status in ("COMPLETE", "PRUNED", "FAILED") for r in reported.records)
    for label, value in [("finished", finished), ("trials", len(reported.records))]:
        pattern = f'<th class="text">{label}</th><td>{value}</td>'
        assert pattern in html, f"run statistics do not show {label} = {value}"
    for label in ("worker utilisation", "total training time", "wall time"):
        assert f">{label}</th>" in html, f"run statistics lack {label!r}"


def test_importance_section(reported: FinishedRun) -> None:
    html = _html(reported)
    assert len(reported.records) >= MIN_TRIALS, "the shared run is too small to test importance"
    assert 'id="gene-importance"' in html, "report.html has no importance section"
    table = re.search(r'<table id="importance">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, "the importance section has no table on a run with enough trials"
    for gene in ("depth", "lr", "optimizers", "width"):
        assert f">{gene}</td>" in table.group(1), f"importance table lacks gene {gene!r}"
    shares = [float(s) for s in re.findall(r"([\d.]+)%<span", table.group(1))]
    for start in (0, 1):
        total = sum(shares[start::2])
        assert abs(total - 100) < 1 or total == 0, f"importance shares sum to {total}%"


def test_too_few_trials_for_importance(reported: FinishedRun, tmp_path: Path) -> None:
    few = dataclasses.replace(reported, run_dir=tmp_path, records=reported.records[:3])
    write_report(few)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Too few trained trials" in html, "no 'too few trials' note with 3 trials"
    assert 'id="importance"' not in html, "an importance table was made from 3 trials"


def test_statistics_formula(reported: FinishedRun) -> None:
    base = reported.records[0]
    records = [
        dataclasses.replace(
            base,
            status=TrialStatus.COMPLETE,
            worker=0,
            seconds=4.0,
            started_at=100.0,
            finished_at=104.0,
        ),
        dataclasses.replace(
            base,
            status=TrialStatus.FAILED,
            worker=1,
            seconds=1.0,
            started_at=101.0,
            finished_at=102.0,
        ),
        dataclasses.replace(
            base,
            status=TrialStatus.INTERRUPTED,
            worker=None,
            seconds=0.0,
            started_at=105.0,
            finished_at=110.0,
        ),
    ]
    stats = run_statistics(records)
    assert stats.finished == 2, f"COMPLETE and FAILED are finished; got {stats.finished}"
    assert stats.counts[TrialStatus.INTERRUPTED] == 1, f"interrupted count wrong: {stats.counts}"
    assert stats.workers == 2, f"two distinct worker ids, got {stats.workers}"
    assert stats.wall_seconds == 10.0, f"first start to last finish is 10 s: {stats.wall_seconds}"
    assert stats.utilisation == pytest.approx(5.0 / 20.0), f"utilisation {stats.utilisation}"


def test_text_is_escaped(reported: FinishedRun, tmp_path: Path) -> None:
    run_dir = tmp_path / "<i>run&"
    run_dir.mkdir()
    write_report(dataclasses.replace(reported, run_dir=run_dir, records=reported.records[:3]))
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<i>run&" not in html, "the run directory's name went into the page unescaped"
    assert "&lt;i&gt;run&amp;" in html, "the escaped run name is missing from the title"


@pytest.mark.browser
def test_headless_browser_loads_figures(reported: FinishedRun) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed")
    page = (reported.run_dir / "report.html").resolve().as_uri()
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"chromium failed: {proc.stderr[-2000:]}"
    dom = proc.stdout
    assert 'data-figures-loaded="3"' in dom, (
        f"not all 3 figures decoded in chromium: {re.findall(r'<body[^>]*>', dom)}"
    )
    rows = f'data-front-rows="{len(reported.front)}"'
    assert rows in dom, f"chromium saw a front table without {rows}: {dom[:300]}"
