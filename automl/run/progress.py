"""Live progress lines: a search's (trials done of the budget, best accuracy, front size)
and a count of other work."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class SearchProgress:
    def __init__(self, console: Console, budget: int, completed: int = 0) -> None:
        self._progress = Progress(
            TextColumn("[bold]search"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("best acc [cyan]{task.fields[best]}"),
            TextColumn("front [magenta]{task.fields[front]}"),
            TextColumn("failed [red]{task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task = self._progress.add_task(
            "search", total=budget, completed=completed, best="-", front=0, failed=0
        )

    def update(self, done: int, best_accuracy: float | None, front_size: int, failed: int) -> None:
        best = "-" if best_accuracy is None else f"{best_accuracy:.4f}"
        self._progress.update(
            self._task, completed=done, best=best, front=front_size, failed=failed
        )

    def __enter__(self) -> SearchProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


class CountProgress:
    """A bar of work counted in items (``automl retrain``'s seeds): shown from the first
    ``update``, so that work refused before it starts prints nothing but the refusal."""

    def __init__(self, console: Console, label: str) -> None:
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: int | None = None

    def update(self, done: int, total: int) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("", total=total)
        self._progress.update(self._task, completed=done, total=total)

    def __enter__(self) -> CountProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._progress.stop()
