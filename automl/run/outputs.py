"""Files a run leaves behind: trials.csv, pareto.csv and pareto.png."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from automl.atomic import atomic_path
from automl.plotting import pyplot
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
    "epochs",
    "seconds",
    "error",
    "worker",
    "genome_hash",
    "genome",
)
PARETO_COLUMNS = (
    "trial_id",
    "val_accuracy",
    "test_accuracy",
    "latency_ms",
    "params",
    "flops",
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
    """All finished trials as points, accuracy against the run's trade-off objective (the
    x axis; latency by default), the front as a highlighted staircase, with the front
    members' test accuracies as open diamonds; the accuracy axis starts near the worst tenth
    of the trials so that the front stays readable. Written atomically."""
    plt = pyplot(path.parent)

    axis = trade_off(objectives)
    complete = [r for r in records if r.status in TRAINED]
    front = sorted(front, key=lambda r: objective_value(r, axis))
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ax.scatter(
        [objective_value(r, axis) for r in complete],
        [r.val_accuracy for r in complete],
        s=14,
        color="#9aa5b1",
        label=f"trials ({len(complete)})",
    )
    ax.step(
        [objective_value(r, axis) for r in front],
        [r.val_accuracy for r in front],
        where="post",
        color="#d1495b",
        linewidth=1.5,
    )
    ax.scatter(
        [objective_value(r, axis) for r in front],
        [r.val_accuracy for r in front],
        s=36,
        color="#d1495b",
        zorder=3,
        label=f"Pareto front ({len(front)})",
    )
    tested = [r for r in front if r.test_accuracy is not None]
    ax.scatter(
        [objective_value(r, axis) for r in tested],
        [r.test_accuracy for r in tested],
        s=36,
        marker="D",
        facecolors="none",
        edgecolors="#00798c",
        zorder=3,
        label="front, test accuracy",
    )
    accuracies = sorted(r.val_accuracy for r in complete)
    if accuracies:
        low = accuracies[len(accuracies) // 10]
        floor = min([low] + [r.test_accuracy for r in tested]) - 0.02
        hidden = sum(a < floor for a in accuracies)
        ax.set_ylim(max(0.0, floor), 1.0 + 0.005)
        if hidden:
            ax.set_title(f"{hidden} trial(s) below {floor:.2f} not shown", fontsize=8)
    if complete:
        ax.set_xscale("log")
    ax.set_xlabel(f"{AXIS_LABELS[axis]} (log scale)")
    ax.set_ylabel("accuracy (validation; test for front diamonds)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    with atomic_path(path) as partial:
        fig.savefig(partial)
    plt.close(fig)
