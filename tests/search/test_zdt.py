"""Oracle: our NSGA-II selection (survival and tournament), driving the standard real-valued
operators (pymoo's SBX and polynomial mutation), against pymoo's own NSGA2 on ZDT1 and ZDT2
at equal evaluations."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.population import Population
from pymoo.indicators.hv import HV
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.optimize import minimize
from pymoo.problems import get_problem

from search import binary_tournament, non_dominated, rank_population, survive

# the usual ZDT setting (Deb et al. ran 250 generations of 100)
POP, GENERATIONS, SEEDS = 100, 200, range(5)
HV_AT = HV(ref_point=np.array([1.1, 1.1]))


def ours(problem, seed: int) -> float:
    rng = np.random.default_rng(seed)
    x = rng.random((POP, problem.n_var))
    f = problem.evaluate(x)
    crossover, mutation = SBX(prob=0.9, eta=15), PM(eta=20)
    for _ in range(GENERATIONS - 1):
        parents = binary_tournament(rank_population(f), POP, rng).reshape(-1, 2)
        offspring = crossover.do(problem, Population.new(X=x), parents, random_state=rng)
        x_children = mutation.do(problem, offspring, random_state=rng).get("X")
        x = np.vstack([x, x_children])
        f = np.vstack([f, problem.evaluate(x_children)])
        keep = survive(f, POP, rng)
        x, f = x[keep], f[keep]
    return HV_AT(f[non_dominated(f)])


def pymoo_nsga2(problem, seed: int) -> float:
    result = minimize(
        problem, NSGA2(pop_size=POP), ("n_gen", GENERATIONS), seed=seed, verbose=False
    )
    return HV_AT(result.F)


@pytest.mark.parametrize("name", ["zdt1", "zdt2"])
def test_selection_matches_pymoo_nsga2_hypervolume(name: str) -> None:
    problem = get_problem(name)
    our_hv = statistics.median(ours(problem, seed) for seed in SEEDS)
    their_hv = statistics.median(pymoo_nsga2(problem, seed) for seed in SEEDS)
    assert our_hv >= 0.98 * their_hv, f"{name}: ours {our_hv:.4f} vs pymoo {their_hv:.4f}"
