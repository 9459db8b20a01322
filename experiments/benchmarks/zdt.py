"""ZDT runs of the project's NSGA-II selection (survival and tournament) driving the standard
real-valued operators (pymoo's SBX and polynomial mutation), and of pymoo's own NSGA2, so the
two differ only in selection. The engine benchmark runs them at the usual size (Deb et al.
ran 250 generations of 100); the oracle test at a smaller one."""

from __future__ import annotations

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.population import Population
from pymoo.indicators.hv import HV
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.optimize import minimize

from search import binary_tournament, non_dominated, rank_population, survive

HV_AT = HV(ref_point=np.array([1.1, 1.1]))


def ours(problem, seed: int, population: int = 100, generations: int = 200) -> float:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    x = rng.random((population, problem.n_var))
    f = problem.evaluate(x)
    crossover, mutation = SBX(prob=0.9, eta=15), PM(eta=20)
    for _ in range(generations - 1):
        parents = binary_tournament(rank_population(f), population, rng).reshape(-1, 2)
        offspring = crossover.do(problem, Population.new(X=x), parents, random_state=rng)
        x_children = mutation.do(problem, offspring, random_state=rng).get("X")
        x = np.vstack([x, x_children])
        f = np.vstack([f, problem.evaluate(x_children)])
        keep = survive(f, population, rng)
        x, f = x[keep], f[keep]
    return HV_AT(f[non_dominated(f)])


def pymoo_nsga2(problem, seed: int, population: int = 100, generations: int = 200) -> float:  # noqa: ANN001
    result = minimize(
        problem, NSGA2(pop_size=population), ("n_gen", generations), seed=seed, verbose=False
    )
    return HV_AT(result.F)
