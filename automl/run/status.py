"""``automl status``: where a run stands, read from its store without disturbing a search
that is writing to it; with ``--watch``, refreshed until the search ends."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.text import Text

from automl.report.table import front_table
from automl.run.finished import FinishedRun, open_run
from automl.run.rundir import search_running
from evaluators import TrialStatus

SPARKS = "▁▂▃▄▅▆▇█"
SPARKLINE_WIDTH = 40


def print_status(run: FinishedRun, console: Console) -> None:
    console.print(status_view(run, search_running(run.run_dir), time.time()))


def watch_status(run_dir: Path, console: Console, interval: float) -> None:
    """Redraw the status every ``interval`` seconds until no search holds the run (then once
    more, so the last view shows the finished run)."""
    from rich.live import Live

    with Live(console=console, auto_refresh=False) as live:
        while True:
            running = search_running(run_dir)
            live.update(status_view(open_run(run_dir, False), running, time.time()), refresh=True)
            if not running:
                return
            time.sleep(interval)


def status_view(run: FinishedRun, running: bool, now: float) -> RenderableType:
    """Trials by state, the running ones, elapsed time and ETA, the hypervolume so far as a
    sparkline, and the front."""
    counts = Counter(r.status for r in run.records)
    budget = run.config.search.evaluations
    finished = sum(n for status, n in counts.items() if status.finished)
    state = "running" if running else "not running"
    lines = [f"[bold]{run.run_dir}[/]: search {state}; {finished} of {budget} trials finished"]
    lines.append(
        "  " + ", ".join(f"{counts[s]} {s.value.lower()}" for s in TrialStatus if counts[s])
        or "  no trials yet"
    )
    if run.records:
        lines.append(_timing(run, finished, budget, running, now))
    active = [r for r in run.records if r.status is TrialStatus.RUNNING]
    if running and active:
        lines.append(
            "  training: "
            + ", ".join(f"trial {r.trial_id} ({now - r.started_at:.0f} s)" for r in active)
        )
    if run.hypervolume:
        evaluations, _, value = run.hypervolume[-1]
        spark = sparkline([h[2] for h in run.hypervolume])
        lines.append(f"  hypervolume {value:.4f} after {evaluations} trials  {spark}")
    parts: list[RenderableType] = [Text.from_markup(line) for line in lines]
    if run.front:
        parts.append(front_table(run.front))
    return Group(*parts)


def _timing(run: FinishedRun, finished: int, budget: int, running: bool, now: float) -> str:
    start = min(r.started_at for r in run.records)
    last = max((r.finished_at or r.started_at) for r in run.records)
    line = f"  elapsed {last - start:.0f} s; last activity {now - last:.0f} s ago"
    if running and finished and finished < budget:
        per_trial = (now - start) / finished
        line += f"; eta {per_trial * (budget - finished):.0f} s at the pace so far"
    return line


def sparkline(values: list[float]) -> str:
    """``values`` as block characters, lowest to highest, at most ``SPARKLINE_WIDTH`` of
    them (evenly sampled, the last always shown)."""
    if not values:
        return ""
    if len(values) > SPARKLINE_WIDTH:
        step = (len(values) - 1) / (SPARKLINE_WIDTH - 1)
        values = [values[round(i * step)] for i in range(SPARKLINE_WIDTH)]
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)
