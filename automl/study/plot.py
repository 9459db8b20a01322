"""``study.png``: one accuracy-versus-latency front per deployment setting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.plotting import save_figure

if TYPE_CHECKING:
    from automl.study.measure import StudyRow, StudySetting


def plot_study(path: Path, rows: list[StudyRow], budgets_ms: list[float]) -> None:
    """Every member as a marker and each setting's front as a staircase in one colour, with
    the budgets in view as dotted vertical lines. Members are the same on every setting; only
    their latencies move, so a member dominated on one setting leaves that staircase. Written
    atomically."""

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        for setting, measured in _by_setting(rows).items():
            front = _front(measured)
            (line,) = ax.step(
                [row.latency_ms for row in front],
                [row.shown_accuracy for row in front],
                where="post",
                linewidth=1.5,
                label=setting.label,
            )
            ax.scatter(
                [row.latency_ms for row in measured],
                [row.shown_accuracy for row in measured],
                s=30,
                color=line.get_color(),
                zorder=3,
            )
        if rows:
            ax.set_xscale("log")
        low, high = ax.get_xlim()  # a budget far from every latency would squash the fronts
        visible = [budget for budget in budgets_ms if low <= budget <= high]
        for number, budget in enumerate(visible):
            label = "latency budgets" if number == 0 else None
            ax.axvline(budget, color="#6c757d", linestyle=":", linewidth=1, label=label)
        ax.set_xlabel("latency per call (ms, log scale)")
        ax.set_ylabel("accuracy (test; validation where untested)")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)

    save_figure(path, draw, (7, 4.5))


def _by_setting(rows: list[StudyRow]) -> dict[StudySetting, list[StudyRow]]:
    grouped: dict[StudySetting, list[StudyRow]] = {}
    for row in rows:
        grouped.setdefault(row.setting, []).append(row)
    return grouped


def _front(rows: list[StudyRow]) -> list[StudyRow]:
    """The rows no other row beats on both accuracy and latency, fastest first."""
    front: list[StudyRow] = []
    for row in sorted(rows, key=lambda row: (row.latency_ms, -row.shown_accuracy)):
        if not front or row.shown_accuracy > front[-1].shown_accuracy:
            front.append(row)
    return front
