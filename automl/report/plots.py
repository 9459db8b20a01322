"""The report's own figures: hypervolume over the run and the front's learning curves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from automl.plotting import save_figure
from automl.run.store import TrialRecord


def plot_hypervolume(path: Path, history: list[tuple[int, float, float]]) -> None:
    """Hypervolume against evaluations and against wall time side by side: the first shows
    sample efficiency, the second what the workers' time bought."""

    def draw(fig: Any) -> None:
        by_count, by_time = fig.subplots(1, 2, sharey=True)
        evaluations = [h[0] for h in history]
        seconds = [h[1] for h in history]
        values = [h[2] for h in history]
        by_count.step(evaluations, values, where="post", color="#d1495b")
        by_count.set_xlabel("evaluations")
        by_count.set_ylabel("hypervolume")
        by_time.step(seconds, values, where="post", color="#00798c")
        by_time.set_xlabel("wall time (s)")
        for ax in (by_count, by_time):
            ax.grid(True, alpha=0.3)

    save_figure(path, draw, (9, 3.8))


def plot_curves(path: Path, front: list[TrialRecord]) -> None:
    """Validation accuracy per epoch of each front member, labelled by trial id, to show
    whether the front's networks had converged or were stopped while still improving."""

    def draw(fig: Any) -> None:
        from matplotlib.ticker import MaxNLocator

        ax = fig.subplots()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for record in front:
            curve = json.loads(record.curve)
            epochs = range(1, len(curve) + 1)
            ax.plot(epochs, curve, marker="o", markersize=3, label=f"trial {record.trial_id}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy")
        ax.grid(True, alpha=0.3)
        if ax.lines:
            ax.legend(loc="lower right", fontsize=8, ncol=1 + len(ax.lines) // 12)

    save_figure(path, draw, (7, 4.5))
