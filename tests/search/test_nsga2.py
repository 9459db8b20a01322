from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from search import binary_tournament, non_dominated, rank_population, survive

objective_arrays = st.integers(1, 40).flatmap(
    lambda n: arrays(float, (n, 2), elements=st.floats(0, 1, allow_nan=False))
)


@settings(max_examples=200, deadline=None)
@given(objectives=objective_arrays, n=st.integers(1, 50), seed=st.integers(0, 1000))
def test_survival_keeps_exactly_the_population_size(objectives, n, seed) -> None:
    kept = survive(objectives, n, np.random.default_rng(seed))
    assert len(kept) == min(n, len(objectives))
    assert len(set(kept.tolist())) == len(kept), "an individual survived twice"


@settings(max_examples=200, deadline=None)
@given(objectives=objective_arrays, data=st.data())
def test_every_feasible_individual_is_ahead_of_every_infeasible_one(objectives, data) -> None:
    n = len(objectives)
    violation = np.array(
        data.draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, 2.0]), min_size=n, max_size=n))
    )
    ranking = rank_population(objectives, violation)
    feasible, infeasible = ranking.rank[violation == 0], ranking.rank[violation > 0]
    if feasible.size and infeasible.size:
        assert feasible.max() < infeasible.min()
    less = ranking.rank[violation == 0.5]
    more = ranking.rank[violation == 2.0]
    if less.size and more.size:
        assert less.max() < more.min(), "smaller violation must rank first"
    kept = survive(
        objectives, max(1, int((violation == 0).sum())), np.random.default_rng(0), violation
    )
    if (violation == 0).any():
        assert (violation[kept] == 0).all(), "survival took an infeasible one over a feasible"


def test_survival_keeps_the_front_and_its_extremes() -> None:
    front = np.array([[0.0, 1.0], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25], [1.0, 0.0]])
    dominated = front + 0.3
    objectives = np.vstack([front, dominated])
    kept = set(survive(objectives, 5, np.random.default_rng(0)).tolist())
    assert kept == {0, 1, 2, 3, 4}
    kept = set(survive(objectives, 3, np.random.default_rng(0)).tolist())
    assert {0, 4} <= kept, "crowding distance must keep the boundary points"
    assert set(non_dominated(objectives).tolist()) == {0, 1, 2, 3, 4}


def test_binary_tournament_lets_everyone_compete_and_the_better_win() -> None:
    objectives = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # ranks 0..3
    ranking = rank_population(objectives)
    rng = np.random.default_rng(0)
    winners = binary_tournament(ranking, 400, rng)
    counts = np.bincount(winners, minlength=4)
    # 800 contestants from permutations: each individual enters exactly 200 tournaments;
    # the best wins all of its own, the worst none
    assert counts[0] == 200 and counts[3] == 0, counts
    assert counts[0] > counts[1] > counts[2] > counts[3]


def test_survival_prefers_a_distinct_point_over_copies() -> None:
    objectives = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    kept = set(survive(objectives, 3, np.random.default_rng(0)).tolist())
    assert {2, 3} <= kept, f"kept {kept}: copies of one point displaced the distinct middle"
