"""`automl report RUN_DIR`: one self-contained report.html of a run, with its figures also
kept as PNG files beside it for slides and papers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from automl.atomic import atomic_path
from automl.report.guidance import search_guidance
from automl.report.html import ReportContent, render_report
from automl.report.importance import gene_importance
from automl.report.plots import plot_curves, plot_hypervolume
from automl.run.faults import checkpoint
from automl.run.finished import FinishedRun
from automl.run.outputs import plot_pareto
from automl.run.retrain import summarize
from automl.run.store import TrialRecord
from evaluators import FINISHED, TRAINED, TrialStatus

REPORT_FILE = "report.html"
FIGURES = ("pareto", "hypervolume", "curves")


@dataclass(frozen=True)
class RunStatistics:
    """How the run spent its time. ``workers`` counts the distinct workers that reported a
    result (at least 1); the wall span runs from the first start to the last finish, so a
    resumed run's pause counts as idle time."""

    counts: dict[TrialStatus, int]
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
            *((status.value.lower(), str(self.counts[status])) for status in TrialStatus),
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
    counts = {status: sum(r.status is status for r in records) for status in TrialStatus}
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
    plot_pareto(figures["pareto"], run.records, run.front, tuple(run.config.objectives))
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
        importance=gene_importance(run.records, run.config.search_space(), run.problem),
        trained=sum(r.status in TRAINED for r in run.records),
        guidance=search_guidance(run.records, run.config),
        retrained={
            summary.trial_id: f"{summary.mean:.4f} ± {summary.sd:.4f} ({summary.seeds} seeds)"
            for summary in summarize(run.retrained, [r.trial_id for r in run.front])
            if summary.mean is not None
        },
    )
    report = run.run_dir / REPORT_FILE
    with atomic_path(report) as partial:
        partial.write_text(render_report(content), encoding="utf-8")
    return [report, *figures.values()]
