"""The contract every registered strategy keeps (the same tests, parametrised over the
registry): valid genomes, no duplicate submitted, pruned and failed results accepted, the
space's hard limit kept, constraints accepted, and a crash (the store holds what finished)
followed by a resume that asks exactly what an uninterrupted run asks."""

from __future__ import annotations

import pytest

from genomes import Choices, FloatRange, IntRange, Problem, SearchSpace, validate_genome
from search import STRATEGIES, Constraints, PastTrial
from tests.search.fakes import Recorder
from tests.search.test_engine import run_engine

IMAGE = Problem((1, 8, 8), 3)
JOINT = SearchSpace(
    families=("mlp", "cnn"),
    depth=IntRange(1, 3),
    width=IntRange(4, 32, log=True),
    channels=IntRange(2, 8, log=True),
    dropout=FloatRange(0.0, 0.3),
    skips=True,
)
NARROW = SearchSpace(
    depth=IntRange(1, 2),
    width=IntRange(4, 8),
    activations=("relu", "tanh"),
    dropout=(0.0, 0.0),
    optimizers=("adam", "sgd"),
    lr=(0.01, 0.01),
    weight_decay=(1e-4, 1e-4),
    batch_sizes=Choices((16, 32)),
)  # few distinct genomes: duplicates are asked often
STRATEGY_NAMES = list(STRATEGIES.names())


def _run(strategy: str, **kwargs):
    return run_engine(strategy=strategy, **kwargs)


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_asks_are_valid_genomes_of_the_space(strategy) -> None:
    limited = SearchSpace(
        families=JOINT.families,
        depth=JOINT.depth,
        width=JOINT.width,
        channels=JOINT.channels,
        skips=True,
        max_params=3_000,
    )
    _, _, _, recorder = _run(strategy, space=limited, evaluations=40)
    assert len(recorder.started) == 40
    for _, genome in recorder.started:
        validate_genome(genome, limited, Problem((10,), 3))  # max_params included


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_no_duplicate_is_submitted(strategy) -> None:
    _, _, _, recorder = _run(strategy, space=NARROW, evaluations=40, capacity=2)
    hashes = [genome.hash() for _, genome in recorder.started]
    assert len(hashes) == len(set(hashes)), f"{strategy} submitted a genome twice"


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_pruned_and_failed_results_are_accepted(strategy) -> None:
    _, _, _, recorder = _run(strategy, evaluations=30)
    statuses = {r.status.value for r in recorder.finished}
    assert statuses == {"COMPLETE", "PRUNED", "FAILED"}, statuses
    assert len(recorder.finished) == 30


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_constraints_are_accepted(strategy) -> None:
    constraints = Constraints(max_latency_ms=4.0, max_params=60)
    _, _, _, recorder = _run(strategy, evaluations=30, constraints=constraints)
    assert len(recorder.finished) == 30


@pytest.mark.parametrize("mode", ["async", "generational"])
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_resume_after_a_crash_asks_what_an_uninterrupted_run_asks(strategy, mode) -> None:
    """One worker: a crash after 13 results (trial 13 running) and a resume give the same
    trials as a run that never stopped."""
    settings = dict(strategy=strategy, mode=mode, evaluations=30, capacity=1, seed=4)
    _, _, _, full = _run(**settings)
    results = {r.trial_id: r for r in full.finished}
    past = [PastTrial(t, full.genomes[t], results[t]) for t in range(13)]
    past.append(PastTrial(13, full.genomes[13], None))
    _, _, _, resumed = _run(**settings, past=past)
    assert [t for t, _ in resumed.started] == list(range(13, 30))
    expected = [full.genomes[t].hash() for t in range(13, 30)]
    assert [g.hash() for _, g in resumed.started] == expected, (
        f"{strategy}/{mode}: the resumed run asked other genomes than the uninterrupted one"
    )


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_joint_image_space(strategy) -> None:
    settings = {"population": 6, "evaluations": 24}
    from search import SearchEngine, SearchSettings, StrategyContext, make_strategy
    from tests.search.fakes import VirtualClockEvaluator

    search_settings = SearchSettings(strategy=strategy, **settings)
    chosen = make_strategy(StrategyContext(JOINT, IMAGE, search_settings))
    recorder = Recorder()
    SearchEngine(chosen, search_settings, VirtualClockEvaluator(2), recorder).run()
    families = {genome.family for _, genome in recorder.started}
    assert families == {"mlp", "cnn"}, f"{strategy} never tried { ({'mlp', 'cnn'} - families) }"
    for _, genome in recorder.started:
        validate_genome(genome, JOINT, IMAGE)
