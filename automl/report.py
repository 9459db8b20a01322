"""`automl report RUN_DIR`: one self-contained report.html of a run, with its figures also
kept as PNG files beside it for slides and papers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from automl.faults import checkpoint
from automl.finished_run import FinishedRun
from automl.importance import gene_importance
from automl.outputs import plot_pareto
from automl.report_html import ReportContent, render_report
from automl.report_plots import atomic_path, plot_curves, plot_hypervolume
from automl.store import FINISHED, TRAINED, TrialRecord

REPORT_FILE = "report.html"
FIGURES = ("pareto", "hypervolume", "curves")
_STATUSES = ("COMPLETE", "PRUNED", "FAILED", "INTERRUPTED", "RUNNING")


@dataclass(frozen=True)
class RunStatistics:
    """How the run spent its time. ``workers`` counts the distinct workers that reported a
    result (at least 1); the wall span runs from the first start to the last finish, so a
    resumed run's pause counts as idle time."""

    counts: dict[str, int]
    workers: int
    train_seconds: float
    wall_seconds: float

    @property
    def finished(self) -> int:
        return sum(self.counts[status] for status in FINISHED)

    @property
    def utilisation(self) -> float | None:
        """Share of the workers' wall time spent training; None before any trial finished."""
        if self.wall_seconds <= 0:
            return None
        return self.train_seconds / (self.workers * self.wall_seconds)

    def rows(self) -> list[tuple[str, str]]:
        utilisation = self.utilisation
        return [
            ("trials", str(sum(self.counts.values()))),
            ("finished", str(self.finished)),
            *((status.lower(), str(self.counts[status])) for status in _STATUSES),
            ("workers", str(self.workers)),
            ("worker utilisation", "-" if utilisation is None else f"{utilisation:.1%}"),
            ("total training time", _duration(self.train_seconds)),
            ("wall time", _duration(self.wall_seconds)),
        ]


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def run_statistics(records: list[TrialRecord]) -> RunStatistics:
    counts = {status: sum(r.status == status for r in records) for status in _STATUSES}
    finishes = [r.finished_at for r in records if r.finished_at is not None]
    wall = max(finishes) - min(r.started_at for r in records) if finishes else 0.0
    return RunStatistics(
        counts,
        max(1, len({r.worker for r in records if r.worker is not None})),
        sum(r.seconds for r in records),
        wall,
    )


def write_report(run: FinishedRun) -> list[Path]:
    """Writes report.html, pareto.png, hypervolume.png, curves.png into run.run_dir; returns
    the paths written. Every file is replaced atomically, so a reader of a report being
    refreshed sees the old one or the new one."""
    figures = {name: run.run_dir / f"{name}.png" for name in FIGURES}
    with atomic_path(figures["pareto"]) as partial:
        plot_pareto(partial, run.records, run.front)
    plot_hypervolume(figures["hypervolume"], run.hypervolume)
    plot_curves(figures["curves"], run.front)
    checkpoint("report_figures")
    content = ReportContent(
        title=f"AutoML report: {run.run_dir.name}",
        summary=(
            f"Dataset {run.config.dataset.name} (input {'x'.join(map(str, run.input_shape))}, "
            f"{len(run.classes)} classes); objectives {', '.join(run.config.objectives)}; "
            f"{len(run.records)} trials, {len(run.front)} on the front."
        ),
        figures=figures,
        front=run.front,
        statistics=run_statistics(run.records).rows(),
        importance=gene_importance(run.records),
        trained=sum(r.status in TRAINED for r in run.records),
    )
    report = run.run_dir / REPORT_FILE
    with atomic_path(report) as partial:
        partial.write_text(render_report(content), encoding="utf-8")
    return [report, *figures.values()]
