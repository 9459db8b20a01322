"""``automl status``: where a run stands, read from its store without disturbing a search
that is writing to it."""

from __future__ import annotations

import time
from collections import Counter

from rich.console import Console

from automl.report.table import front_table
from automl.run.finished import FinishedRun
from automl.run.rundir import search_running
from evaluators import TrialStatus


def print_status(run: FinishedRun, console: Console) -> None:
    counts = Counter(r.status for r in run.records)
    budget = run.config.search.evaluations
    finished = sum(n for status, n in counts.items() if status.finished)
    state = "running" if search_running(run.run_dir) else "not running"
    console.print(f"[bold]{run.run_dir}[/]: search {state}; {finished} of {budget} trials finished")
    console.print(
        "  " + ", ".join(f"{counts[s]} {s.value.lower()}" for s in TrialStatus if counts[s])
        or "  no trials yet"
    )
    started = [r.started_at for r in run.records]
    if started:
        last = max((r.finished_at or r.started_at) for r in run.records)
        idle = time.time() - last
        console.print(f"  elapsed {last - min(started):.0f} s; last activity {idle:.0f} s ago")
    if run.hypervolume:
        evaluations, _, value = run.hypervolume[-1]
        console.print(f"  hypervolume {value:.4f} after {evaluations} trials")
    if run.front:
        console.print(front_table(run.front))
