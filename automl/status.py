"""``automl status``: where a run stands, read from its store without disturbing a search
that is writing to it."""

from __future__ import annotations

import time
from collections import Counter

from rich.console import Console

from automl.finished_run import FinishedRun
from automl.report_table import front_table
from automl.rundir import search_running

_STATUS_ORDER = ("COMPLETE", "PRUNED", "FAILED", "RUNNING", "INTERRUPTED")


def print_status(run: FinishedRun, console: Console) -> None:
    counts = Counter(r.status for r in run.records)
    budget = run.config.search.evaluations
    finished = counts["COMPLETE"] + counts["PRUNED"] + counts["FAILED"]
    state = "running" if search_running(run.run_dir) else "not running"
    console.print(f"[bold]{run.run_dir}[/]: search {state}; {finished} of {budget} trials finished")
    console.print(
        "  " + ", ".join(f"{counts[s]} {s.lower()}" for s in _STATUS_ORDER if counts[s])
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
