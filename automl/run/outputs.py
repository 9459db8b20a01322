"""Files a run leaves behind: trials.csv, pareto.csv and pareto.png."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from automl.atomic import atomic_path
from automl.plotting import save_figure
from automl.run.front import AXIS_LABELS, DEFAULT_OBJECTIVES, objective_value, trade_off
from automl.run.store import TrialRecord
from evaluators import TRAINED

TRIAL_COLUMNS = (
    "trial_id",
    "status",
    "val_accuracy",
    "test_accuracy",
    "latency_ms",
    "latency_spread",
    "params",
    "flops",
    "weight_bytes",
    "epochs",
    "seconds",
    "error",
    "worker",
    "genome_hash",
    "genome",
)
PARETO_SIZE = (7, 4.5)
"""pareto.png's size in inches."""
PARETO_COLUMNS = (
    "trial_id",
    "val_accuracy",
    "test_accuracy",
    "latency_ms",
    "params",
    "flops",
    "weight_bytes",
    "epochs",
    "genome",
)


def write_csv(path: Path, records: list[TrialRecord], columns: tuple[str, ...]) -> None:
    write_rows(path, columns, (record.to_dict() for record in records))


def write_rows(path: Path, columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> None:
    """Write a CSV atomically: a reader never sees a half-written file, and a failed write
    leaves the old file and no partial one."""
    with atomic_path(path) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def plot_pareto(
    path: Path,
    records: list[TrialRecord],
    front: list[TrialRecord],
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES,
) -> None:
    """``draw_pareto``'s figure, written atomically."""
    save_figure(path, partial(draw_pareto, records=records, front=front, objectives=objectives),
                PARETO_SIZE)  # fmt: skip


def draw_pareto(
    fig: Any,  # noqa: ANN401 - a matplotlib Figure, imported lazily
    records: list[TrialRecord],
    front: list[TrialRecord],
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES,
) -> None:
    """All finished trials as points, accuracy against the run's trade-off objective (the
    x axis; latency by default), the front as a highlighted staircase, with the front
    members' test accuracies as open diamonds; the accuracy axis starts near the worst tenth
    of the trials so that the front stays readable."""
    axis = trade_off(objectives)
    complete = [r for r in records if r.status in TRAINED]
    front = sorted(front, key=lambda r: objective_value(r, axis))
    tested = [r for r in front if r.test_accuracy is not None]
    ax = fig.subplots()
    _draw_points(ax, axis, complete, front, tested)
    _fit_accuracy_axis(ax, complete, tested)
    if complete:
        ax.set_xscale("log")
    ax.set_xlabel(f"{AXIS_LABELS[axis]} (log scale)")
    ax.set_ylabel("accuracy (validation; test for front diamonds)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")


def _draw_points(ax: Any, axis: str, complete, front, tested) -> None:  # noqa: ANN001 - records
    def x(records: list[TrialRecord]) -> list[float]:
        return [objective_value(r, axis) for r in records]

    accuracy = [r.val_accuracy for r in front]
    ax.scatter(x(complete), [r.val_accuracy for r in complete], s=14, color="#9aa5b1",
               label=f"trials ({len(complete)})")  # fmt: skip
    ax.step(x(front), accuracy, where="post", color="#d1495b", linewidth=1.5)
    ax.scatter(x(front), accuracy, s=36, color="#d1495b", zorder=3,
               label=f"Pareto front ({len(front)})")  # fmt: skip
    ax.scatter(x(tested), [r.test_accuracy for r in tested], s=36, marker="D",
               facecolors="none", edgecolors="#00798c", zorder=3,
               label="front, test accuracy")  # fmt: skip


def _fit_accuracy_axis(ax: Any, complete: list[TrialRecord], tested: list[TrialRecord]) -> None:
    """Start the axis near the worst tenth of the trials, saying how many are cut off."""
    accuracies = sorted(r.val_accuracy for r in complete)
    if not accuracies:
        return
    low = accuracies[len(accuracies) // 10]
    floor = min([low] + [r.test_accuracy for r in tested]) - 0.02
    hidden = sum(a < floor for a in accuracies)
    ax.set_ylim(max(0.0, floor), 1.0 + 0.005)
    if hidden:
        ax.set_title(f"{hidden} trial(s) below {floor:.2f} not shown", fontsize=8)
