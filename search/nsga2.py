"""NSGA-II ranking through pymoo: non-dominated sorting, crowding distance, constraint
domination (feasible before infeasible, infeasible by total violation), survival and binary
tournament. All objectives are minimised here; callers negate the ones they maximise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pymoo.operators.survival.rank_and_crowding.metrics import (
    FunctionalDiversity,
    calc_crowding_distance,
)
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

# Duplicated points get zero distance: identical scores are common (latency is cached per
# architecture), and without the filter every copy at a front's edge counts as most isolated.
_CROWDING = FunctionalDiversity(calc_crowding_distance, filter_out_duplicates=True)


@dataclass(frozen=True)
class Ranking:
    """Per individual: front index (0 is best; infeasible ranks follow every feasible front),
    crowding distance within its front (larger is more isolated, so preferred), and the
    objectives and constraint violations they were computed from."""

    rank: np.ndarray
    crowding: np.ndarray
    objectives: np.ndarray
    violation: np.ndarray


def rank_population(objectives: np.ndarray, violation: np.ndarray | None = None) -> Ranking:
    objectives = np.asarray(objectives, dtype=float)
    n = objectives.shape[0]
    violation = np.zeros(n) if violation is None else np.asarray(violation, dtype=float)
    rank = np.zeros(n, dtype=int)
    crowding = np.zeros(n)
    feasible = np.flatnonzero(violation <= 0)
    fronts = NonDominatedSorting().do(objectives[feasible]) if feasible.size else []
    for k, front in enumerate(fronts):
        members = feasible[front]
        rank[members] = k
        crowding[members] = _CROWDING.do(objectives[members])
    infeasible = np.flatnonzero(violation > 0)
    if infeasible.size:
        levels = np.unique(violation[infeasible], return_inverse=True)[1]
        rank[infeasible] = len(fronts) + levels.reshape(-1)
    return Ranking(rank, crowding, objectives, violation)


def survive(
    objectives: np.ndarray,
    n_survive: int,
    rng: np.random.Generator,
    violation: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of the ``n_survive`` best individuals by (rank, -crowding), ties broken at
    random from ``rng``."""
    ranking = rank_population(objectives, violation)
    n = len(ranking.rank)
    order = np.lexsort((rng.permutation(n), -ranking.crowding, ranking.rank))
    return order[: min(n_survive, n)]


def binary_tournament(ranking: Ranking, n_winners: int, rng: np.random.Generator) -> np.ndarray:
    """Winners of ``n_winners`` binary tournaments, as pymoo's NSGA2 decides them: the smaller
    constraint violation, else the dominating one, else the more isolated (crowding), else
    at random. Contestants come from concatenated random permutations, so every individual
    enters the same number of tournaments (give or take one)."""
    n = len(ranking.rank)
    needed = 2 * n_winners
    order = np.concatenate([rng.permutation(n) for _ in range(-(-needed // n))])[:needed]
    return np.array(
        [_winner(ranking, int(a), int(b), rng) for a, b in order.reshape(n_winners, 2)], dtype=int
    )


def _winner(ranking: Ranking, a: int, b: int, rng: np.random.Generator) -> int:
    violation = ranking.violation
    if violation[a] != violation[b] and max(violation[a], violation[b]) > 0:
        return a if violation[a] < violation[b] else b
    fa, fb = ranking.objectives[a], ranking.objectives[b]
    if np.all(fa <= fb) and np.any(fa < fb):
        return a
    if np.all(fb <= fa) and np.any(fb < fa):
        return b
    if ranking.crowding[a] != ranking.crowding[b]:
        return a if ranking.crowding[a] > ranking.crowding[b] else b
    return a if rng.random() < 0.5 else b


def non_dominated(objectives: np.ndarray, violation: np.ndarray | None = None) -> np.ndarray:
    """Indices of the first front among feasible individuals (all, if none is feasible)."""
    ranking = rank_population(objectives, violation)
    return (
        np.flatnonzero(ranking.rank == ranking.rank.min())
        if len(ranking.rank)
        else np.array([], dtype=int)
    )
