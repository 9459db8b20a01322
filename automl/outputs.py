"""Files a run leaves behind: trials.csv, pareto.csv and pareto.png."""

from __future__ import annotations

import csv
from pathlib import Path

from automl.store import TrialRecord

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
    """Write atomically: a reader never sees a half-written file."""
    partial = path.with_suffix(".csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow(record.to_dict())
    partial.replace(path)


def plot_pareto(path: Path, records: list[TrialRecord], front: list[TrialRecord]) -> None:
    """All finished trials as points, the front as a highlighted staircase with test
    accuracies written beside its members."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    complete = [r for r in records if r.status == "COMPLETE"]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ax.scatter(
        [r.latency_ms for r in complete],
        [r.val_accuracy for r in complete],
        s=14,
        color="#9aa5b1",
        label=f"trials ({len(complete)})",
    )
    ax.step(
        [r.latency_ms for r in front],
        [r.val_accuracy for r in front],
        where="post",
        color="#d1495b",
        linewidth=1.5,
    )
    ax.scatter(
        [r.latency_ms for r in front],
        [r.val_accuracy for r in front],
        s=36,
        color="#d1495b",
        zorder=3,
        label=f"Pareto front ({len(front)})",
    )
    for r in front:
        if r.test_accuracy is not None:
            ax.annotate(
                f"test {r.test_accuracy:.3f}",
                (r.latency_ms, r.val_accuracy),
                textcoords="offset points",
                xytext=(4, -10),
                fontsize=7,
            )
    ax.set_xscale("log")
    ax.set_xlabel("latency per call (ms, log scale)")
    ax.set_ylabel("validation accuracy")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
