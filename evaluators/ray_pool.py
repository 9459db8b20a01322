"""The Ray backend: the same asynchronous interface as ``LocalPool``, one actor per slot.

The data are put into Ray's object store once and every actor reads them from there; a CUDA
slot's actor reserves ``1 / workers_per_device`` of a GPU. Without an address a local Ray is
started with its temporary files in ``temp_dir`` (inside the run directory), without
authentication or dashboard and with only the listed GPUs, so nothing lands in the user's
home; it is shut down on close (``RaySession`` says what a joined cluster allows).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluators.data import TrainingData
from evaluators.latency import prime_drift
from evaluators.optional import import_optional
from evaluators.pool_base import WorkerPool
from evaluators.ray_session import RaySession
from evaluators.scheduler import Slot
from evaluators.settings import EvaluationSettings
from evaluators.trial import EpochReport, TrialRequest, TrialResult
from evaluators.worker import (
    Reporter,
    TrialFunction,
    WorkerState,
    evaluate_trial,
    limit_memory,
)


class RayWorker:
    """The actor behind one slot; it keeps the data on its device between trials."""

    def __init__(
        self,
        index: int,
        device: str,
        data: TrainingData,
        settings: EvaluationSettings,
        evaluate: TrialFunction,
        reports: Any = None,
    ) -> None:
        import ray
        import torch

        torch.set_num_threads(1)
        limit_memory(settings.memory_limit_mb)
        # Ray exposes a reserved GPU as the only visible one, so it is always cuda:0 here.
        device = "cuda:0" if device.startswith("cuda") else device
        self._index = index
        self._data = data.to(device)
        self._settings = settings.on_device(device)
        self._evaluate = evaluate
        self._state = WorkerState()
        if reports is not None:  # a ReportDesk actor: the pruner lives there
            self._state.report = lambda report: ray.get(reports.report.remote(report))
        if settings.latency.reference_ms is not None:
            prime_drift(self._state.drift, data.problem.input_shape, self._settings.latency)

    def run(self, request: TrialRequest) -> TrialResult:
        return self._evaluate(request, self._data, self._settings, self._state, self._index)


class ReportDesk:
    """An actor that owns the search's reporter (its pruner) so that every worker can ask it;
    Ray actors cannot call back into the driver."""

    def __init__(self, reporter: Reporter) -> None:
        self._reporter = reporter

    def report(self, report: EpochReport) -> bool:
        return self._reporter.report(report)

    def record(self, result: TrialResult) -> None:
        self._reporter.record(result)


class RayPool(WorkerPool):
    """One Ray actor per slot, on the Ray this process is connected to, or else on the one
    that ``RaySession`` joins (``address``) or starts (files in ``temp_dir``); whatever the
    pool started it stops on close, also when its start fails half-way."""

    def __init__(
        self,
        data: TrainingData,
        settings: EvaluationSettings,
        devices: Sequence[str],
        trial_timeout: float | None = None,
        evaluate: TrialFunction = evaluate_trial,
        address: str | None = None,
        temp_dir: Path | None = None,
        reporter: Reporter | None = None,
    ) -> None:
        super().__init__(devices)
        self._ray = import_optional("ray", extra="ray")
        self._session = RaySession(self._ray, address, temp_dir, devices)
        self._timeout = trial_timeout
        self._settings, self._evaluate = settings, evaluate
        per_device = Counter(devices)
        self._gpu_share = {d: 1.0 / n for d, n in per_device.items() if d.startswith("cuda")}
        self._actors: dict[int, Any] = {}
        self._running: dict[Any, tuple[Slot, float]] = {}
        try:
            self._actor_class = self._ray.remote(RayWorker)
            self._data_ref = self._ray.put(data)
            self._reports = self._report_desk(reporter)
            self._actors = {slot.index: self._start(slot) for slot in self._scheduler.slots}
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Kill the actors, then stop the Ray this pool started (and remove its files)."""
        try:
            for actor in self._actors.values():
                self._ray.kill(actor)
        finally:
            self._session.close()

    def _report_desk(self, reporter: Reporter | None) -> Any:
        """The actor that holds ``reporter`` (it cannot live in this process); None without."""
        if reporter is None:
            return None
        return self._ray.remote(ReportDesk).options(num_cpus=0).remote(reporter)

    def _record(self, result: TrialResult) -> None:
        """The reporter lives in the desk actor: tell it there."""
        if self._reports is not None:
            self._reports.record.remote(dataclasses.replace(result, weights=None))

    def _poll(self, seconds: float) -> TrialResult | None:
        if self._running:
            ready, _ = self._ray.wait(list(self._running), num_returns=1, timeout=seconds)
            if ready:
                return self._collect(ready[0])
        else:
            time.sleep(seconds)
        return self._check_timeouts()

    def _start(self, slot: Slot) -> Any:
        """A new actor for ``slot``; slots are spread over the cluster's nodes (a node lost
        costs the fewest trials), and a replaced one goes wherever there is room."""
        options = {
            "num_cpus": 1,
            "num_gpus": self._gpu_share.get(slot.device, 0),
            "scheduling_strategy": "SPREAD",
        }
        return self._actor_class.options(**options).remote(
            slot.index,
            slot.device,
            self._data_ref,
            self._settings,
            self._evaluate,
            self._reports,
        )

    def _dispatch(self) -> None:
        for slot in self._scheduler.assign():
            future = self._actors[slot.index].run.remote(slot.request)
            self._running[future] = (slot, time.monotonic())

    def _collect(self, future: Any) -> TrialResult:
        slot, started = self._running.pop(future)
        try:
            result = self._ray.get(future)
        except self._ray.exceptions.RayActorError as exc:
            result = self._failure(slot, started, f"worker actor died ({type(exc).__name__})")
            self._actors[slot.index] = self._start(slot)
        except self._ray.exceptions.RayTaskError as exc:
            result = self._failure(slot, started, f"worker raised: {exc.cause!r}")
        except self._ray.exceptions.RayError as exc:  # its result lost with a dead node
            result = self._failure(slot, started, f"worker result lost ({type(exc).__name__})")
            self._ray.kill(self._actors[slot.index])
            self._actors[slot.index] = self._start(slot)
        return self._finish(slot, result)

    def _check_timeouts(self) -> TrialResult | None:
        if self._timeout is None:
            return None
        now = time.monotonic()
        for future, (slot, started) in list(self._running.items()):
            if now - started > self._timeout:
                del self._running[future]
                failure = self._failure(slot, started, f"trial timed out after {self._timeout:g} s")
                self._ray.kill(self._actors[slot.index])
                self._actors[slot.index] = self._start(slot)
                return self._finish(slot, failure)
        return None
