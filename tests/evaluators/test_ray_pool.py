"""The Ray backend on a local Ray started once for this module; a pool that starts its own
Ray (and its scratch folder) is tested in test_ray_session.py."""

from __future__ import annotations

import numpy as np
import pytest

from evaluators import (
    EvaluationSettings,
    LatencySettings,
    TrialRequest,
    TrialStatus,
    crash_trial,
    noop_trial,
)
from genomes import IntRange, SearchSpace, sample_genome
from tests.devices import gpu_test

ray = pytest.importorskip("ray", reason="the ray extra is not installed")
from evaluators.ray_pool import RayPool  # noqa: E402

pytestmark = pytest.mark.ray
SPACE = SearchSpace(width=IntRange(8, 16), max_epochs=IntRange(2, 2))


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    import os

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    temp_dir = tmp_path_factory.mktemp("ray")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
        _temp_dir=str(temp_dir),
    )
    yield
    ray.shutdown()


def _requests(data, count: int) -> list[TrialRequest]:
    rng = np.random.default_rng(0)
    return [TrialRequest(i, sample_genome(SPACE, data.problem, rng), i) for i in range(count)]


def test_ray_backend_runs_a_small_batch_of_real_trials(local_ray, tiny_data) -> None:
    with RayPool(tiny_data, EvaluationSettings(), ["cpu", "cpu"]) as pool:
        assert pool.capacity == 2
        for request in _requests(tiny_data, 4):
            pool.submit(request)
        results = {r.trial_id: r for r in pool.results()}
    assert sorted(results) == [0, 1, 2, 3]
    for result in results.values():
        assert result.status is TrialStatus.COMPLETE, result.error
        assert 0.0 <= result.val_accuracy <= 1.0 and result.latency_ms > 0


def test_ray_backend_reports_a_dead_actor_and_replaces_it(local_ray, tiny_data) -> None:
    with RayPool(tiny_data, EvaluationSettings(), ["cpu"], evaluate=crash_trial) as pool:
        for request in _requests(tiny_data, 3):
            pool.submit(request)
        results = {r.trial_id: r for r in pool.results()}
    assert results[0].status is TrialStatus.FAILED and "actor died" in results[0].error
    assert results[1].status is TrialStatus.COMPLETE, "the replaced actor did not run trial 1"
    assert results[2].status is TrialStatus.FAILED


def test_noop_trials_flow_through_without_loss(local_ray, tiny_data) -> None:
    with RayPool(tiny_data, EvaluationSettings(), ["cpu", "cpu"], evaluate=noop_trial) as pool:
        for request in _requests(tiny_data, 40):
            pool.submit(request)
        ids = sorted(r.trial_id for r in pool.results())
    assert ids == list(range(40))


@gpu_test
def test_gpu_actors_share_a_gpu_and_time_latency_on_it(local_ray, tiny_data) -> None:
    settings = EvaluationSettings(latency=LatencySettings(device="cuda:0", blocks=5))
    with RayPool(tiny_data, settings, ["cuda:0", "cuda:0"]) as pool:
        for request in _requests(tiny_data, 4):
            pool.submit(request)
        results = list(pool.results())
    assert len(results) == 4
    for result in results:
        assert result.status is TrialStatus.COMPLETE, result.error
        assert result.latency_ms > 0
