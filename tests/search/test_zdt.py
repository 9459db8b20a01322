"""Oracle: our NSGA-II selection (survival and tournament), driving the standard real-valued
operators (pymoo's SBX and polynomial mutation), against pymoo's own NSGA2 on ZDT1 and ZDT2
at equal evaluations; a size that separates a broken selection from a working one (the
engine benchmark runs the usual, larger one)."""

from __future__ import annotations

import statistics

import pytest
from pymoo.problems import get_problem

from experiments.benchmarks.zdt import ours, pymoo_nsga2

SIZE = {"population": 80, "generations": 150}
SEEDS = range(3)


@pytest.mark.parametrize("name", ["zdt1", "zdt2"])
def test_selection_matches_pymoo_nsga2_hypervolume(name: str) -> None:
    problem = get_problem(name)
    our_hv = statistics.median(ours(problem, seed, **SIZE) for seed in SEEDS)
    their_hv = statistics.median(pymoo_nsga2(problem, seed, **SIZE) for seed in SEEDS)
    assert our_hv >= 0.98 * their_hv, f"{name}: ours {our_hv:.4f} vs pymoo {their_hv:.4f}"
