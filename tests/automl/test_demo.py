"""The demo shows a real accuracy-latency trade-off: over two seeds its front holds at least
three networks, the slowest at least 1.5 times the fastest (at half the demo's budget; the
full demo's fronts are in experiments/RESULTS.md, pruning section)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.cli import automl

DEMO = Path(__file__).resolve().parents[2] / "experiments" / "digits.yaml"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_demo_front_shows_a_trade_off(seed: int, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = automl("search", str(DEMO), "--out", str(out), "--budget", "64", "--seed", str(seed))
    assert proc.returncode == 0, proc.stderr[-2000:]
    with (out / "pareto.csv").open() as handle:
        front = list(csv.DictReader(handle))
    assert len(front) >= 3, f"seed {seed}: the demo's front has {len(front)} network(s)"
    latencies = sorted(float(row["latency_ms"]) for row in front)
    assert latencies[-1] >= 1.5 * latencies[0], f"seed {seed}: front latencies {latencies}"
