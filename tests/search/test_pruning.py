from __future__ import annotations

from search import MOASHAPruner, PruningSettings


def test_rungs_are_geometric() -> None:
    pruner = MOASHAPruner(PruningSettings(min_epochs=1, eta=3))
    assert [e for e in range(1, 30) if pruner.is_rung(e)] == [1, 3, 9, 27]
    pruner = MOASHAPruner(PruningSettings(min_epochs=2, eta=2))
    assert [e for e in range(1, 20) if pruner.is_rung(e)] == [2, 4, 8, 16]


def test_trials_go_on_until_a_rung_can_judge_then_only_the_best_third() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3))
    # same latency: accuracy decides
    assert pruner.report(0, 1, 0.50, 1.0)
    assert pruner.report(1, 1, 0.40, 1.0), "two trials are too few to judge"
    assert not pruner.report(2, 1, 0.30, 1.0), "worst of three at the rung must stop"
    assert pruner.report(3, 1, 0.90, 1.0), "best so far goes on"
    assert not pruner.report(4, 1, 0.45, 1.0)
    assert pruner.report(3, 2, 0.10, 1.0), "epoch 2 is no rung: no judgement"
    assert pruner.pruned == {2, 4}


def test_a_fast_network_survives_a_rung_despite_lower_accuracy() -> None:
    pruner = MOASHAPruner(PruningSettings(eta=3))
    pruner.report(0, 1, 0.90, 10.0)
    pruner.report(1, 1, 0.85, 10.0)
    pruner.report(2, 1, 0.80, 9.0)
    # fastest of all, though least accurate: it is on the first front of the rung
    assert pruner.report(3, 1, 0.50, 1.0)
    assert not pruner.report(4, 1, 0.70, 20.0), "slow and inaccurate: dominated, stops"


def test_disabled_pruner_never_stops() -> None:
    pruner = MOASHAPruner(PruningSettings(enabled=False))
    assert all(pruner.report(i, 1, 0.01 * i, 1.0) for i in range(10))
