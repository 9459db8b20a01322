"""The real spawn pool with real processes and real signals."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from evaluators import (
    EpochReport,
    EvaluationSettings,
    LatencySettings,
    LocalPool,
    TrainSettings,
    TrialRequest,
    TrialResult,
    TrialStatus,
    available_cores,
    calibrate,
    noop_trial,
    worker_cores,
)
from genomes import Genome, layer_gene, train_gene
from tests.devices import gpu_test

ENDLESS = TrainSettings(max_epochs=100_000, patience=100_000)


def _genome(width: int, epochs: int) -> Genome:
    return Genome(
        "mlp",
        (layer_gene("mlp", width=width, activation="relu"),) * 3,
        train_gene(optimizer="adam", lr=1e-3, batch_size=16, weight_decay=1e-5, max_epochs=epochs),
    )


def _worker_pid(index: int) -> int:
    for child in multiprocessing.active_children():
        if child.name == f"automl-worker-{index}":
            return child.pid
    raise AssertionError(f"worker {index} is not running")


class EpochWatch:
    """A reporter that lets every trial go on and keeps the last epoch each reported."""

    def __init__(self) -> None:
        self.epochs: dict[int, int] = {}

    def report(self, report: EpochReport) -> bool:
        self.epochs[report.trial_id] = report.epoch
        return True

    def record(self, result: TrialResult) -> None:
        pass


def test_killed_worker_is_replaced_and_the_pool_finishes(tiny_data) -> None:
    watch = EpochWatch()
    settings = EvaluationSettings(train=ENDLESS)
    with LocalPool(tiny_data, settings, ["cpu", "cpu"], reporter=watch) as pool:
        pool.submit(TrialRequest(0, _genome(128, 100_000), 0))
        for trial_id in (1, 2, 3):
            pool.submit(TrialRequest(trial_id, _genome(8 + trial_id, 2), trial_id))
        results = {}
        while 0 not in watch.epochs:  # until trial 0 has trained an epoch in worker 0
            result = pool.next_result(timeout=0.1)
            if result is not None:
                results[result.trial_id] = result
        os.kill(_worker_pid(0), signal.SIGKILL)
        results.update({r.trial_id: r for r in pool.results()})
    assert sorted(results) == [0, 1, 2, 3], "every submission must get exactly one result"
    assert results[0].status is TrialStatus.FAILED
    assert "worker process died (exit code -9)" in results[0].error
    for trial_id in (1, 2, 3):
        assert results[trial_id].status is TrialStatus.COMPLETE, results[trial_id].error


def test_trial_past_its_timeout_is_killed_and_the_next_one_runs(tiny_data) -> None:
    settings = EvaluationSettings(train=ENDLESS)
    with LocalPool(tiny_data, settings, ["cpu"], trial_timeout=3.0) as pool:
        pool.submit(TrialRequest(0, _genome(128, 100_000), 0))
        pool.submit(TrialRequest(1, _genome(8, 2), 1))
        results = {r.trial_id: r for r in pool.results()}
    assert results[0].status is TrialStatus.FAILED
    assert "timed out after 3 s" in results[0].error
    assert results[1].status is TrialStatus.COMPLETE, results[1].error


def test_worker_killed_while_idle_is_replaced_before_its_next_trial(tiny_data) -> None:
    with LocalPool(tiny_data, EvaluationSettings(), ["cpu"]) as pool:
        pool.submit(TrialRequest(0, _genome(8, 1), 0))
        first = next(pool.results())
        pid = _worker_pid(0)
        os.kill(pid, signal.SIGKILL)
        while any(c.pid == pid for c in multiprocessing.active_children()):
            time.sleep(0.01)  # until the pool's process object sees it dead
        pool.submit(TrialRequest(1, _genome(8, 1), 1))
        second = next(pool.results())
    assert first.status is TrialStatus.COMPLETE, first.error
    assert second.status is TrialStatus.COMPLETE, second.error


class StopAtSecondEpoch:
    """A reporter that stops every trial after its second epoch and keeps what it is told."""

    def __init__(self) -> None:
        self.recorded: list[TrialResult] = []

    def report(self, report: EpochReport) -> bool:
        assert report.latency_ms > 0, "reports must carry the latency, measured before training"
        assert report.params > 0 and report.flops > 0, "reports must carry params and FLOPs"
        return report.epoch < 2

    def record(self, result: TrialResult) -> None:
        self.recorded.append(result)


def test_reporter_prunes_a_trial_which_keeps_its_weights_and_curve(tiny_data) -> None:
    settings = EvaluationSettings(train=ENDLESS)
    reporter = StopAtSecondEpoch()
    with LocalPool(tiny_data, settings, ["cpu"], reporter=reporter) as pool:
        pool.submit(TrialRequest(0, _genome(8, 50), 0))
        result = next(pool.results())
    assert [r.trial_id for r in reporter.recorded] == [0], "the reporter was not told the result"
    assert reporter.recorded[0].weights is None, "weights were sent to the reporter"
    assert result.status is TrialStatus.PRUNED, result.error
    assert result.epochs == 2 and len(result.curve) == 2 and result.weights


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity on this OS")
def test_every_worker_is_pinned_to_its_assigned_core(tiny_data) -> None:
    devices = ["cpu", "cpu"]
    with LocalPool(tiny_data, EvaluationSettings(), devices, evaluate=noop_trial) as pool:
        for trial_id in range(len(devices)):
            pool.submit(TrialRequest(trial_id, _genome(8, 1), trial_id))
        assert len(list(pool.results())) == len(devices)  # every worker has started
        pinned = [os.sched_getaffinity(_worker_pid(i)) for i in range(len(devices))]
    assert pinned == [{core} for core in worker_cores(devices, available_cores())]


@gpu_test
def test_gpu_workers_train_and_time_on_their_gpu_each_on_its_own_core(tiny_data) -> None:
    devices = ["cuda:0", "cuda:0"]
    latency = calibrate(LatencySettings(device="cuda:0", blocks=5), tiny_data.problem.input_shape)
    with LocalPool(tiny_data, EvaluationSettings(latency=latency), devices) as pool:
        for trial_id in range(4):
            pool.submit(TrialRequest(trial_id, _genome(16, 2), trial_id))
        results = list(pool.results())
        pinned = [os.sched_getaffinity(_worker_pid(i)) for i in range(len(devices))]
    assert len(results) == 4
    for result in results:
        assert result.status is TrialStatus.COMPLETE, result.error
        assert result.latency_ms > 0 and 0.0 <= result.val_accuracy <= 1.0
    assert pinned == [{core} for core in worker_cores(devices, available_cores())]
