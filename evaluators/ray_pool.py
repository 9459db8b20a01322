"""The Ray backend: the same asynchronous interface as ``LocalPool``, one actor per slot.

The data are put into Ray's object store once and every actor reads them from there; a CUDA
slot's actor reserves ``1 / workers_per_device`` of a GPU. Without an address a local Ray is
started with its temporary files in ``temp_dir`` (inside the run directory) and without
authentication or dashboard, so nothing lands in the user's home; it is shut down on close.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluators.data import TrainingData
from evaluators.latency import prime_drift
from evaluators.optional import import_optional
from evaluators.pool_base import WorkerPool
from evaluators.scheduler import Slot
from evaluators.trial import EpochReport, TrialRequest, TrialResult
from evaluators.worker import (
    EvaluationSettings,
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
        self._settings = dataclasses.replace(
            settings, train=dataclasses.replace(settings.train, device=device)
        )
        self._evaluate = evaluate
        self._state = WorkerState()
        if reports is not None:  # a ReportDesk actor: the pruner lives there
            self._state.report = lambda report: ray.get(reports.report.remote(report))
        if settings.latency.reference_ms is not None:
            prime_drift(self._state.drift, data.problem.input_shape, settings.latency)

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
        self._owns_ray = not self._ray.is_initialized()
        if self._owns_ray:
            _init_ray(self._ray, address, temp_dir, devices)
        self._timeout = trial_timeout
        self._actor_class = self._ray.remote(RayWorker)
        self._data_ref = self._ray.put(data)
        self._settings, self._evaluate = settings, evaluate
        self._reports = None
        if reporter is not None:  # the reporter lives in the desk actor, not in this process
            self._reports = self._ray.remote(ReportDesk).options(num_cpus=0).remote(reporter)
        per_device = Counter(devices)
        self._gpu_share = {d: 1.0 / n for d, n in per_device.items() if d.startswith("cuda")}
        self._actors = {slot.index: self._start(slot) for slot in self._scheduler.slots}
        self._running: dict[Any, tuple[Slot, float]] = {}

    def close(self) -> None:
        for actor in self._actors.values():
            self._ray.kill(actor)
        if self._owns_ray:
            self._ray.shutdown()

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
        options = {"num_cpus": 1, "num_gpus": self._gpu_share.get(slot.device, 0)}
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


_SOCKET_PATH_LIMIT = 107
_SOCKET_SUFFIX = "/session_2026-01-01_00-00-00_000000_1234567/sockets/plasma_store"


def _socket_safe(temp_dir: Path) -> Path:
    """``temp_dir``, or, when Ray's socket paths below it would pass the kernel's 107-byte
    limit for Unix sockets, a short directory in the system temp folder that ``temp_dir``
    links to, so the run directory still leads to Ray's files."""
    temp_dir = temp_dir.resolve()
    if len(str(temp_dir)) + len(_SOCKET_SUFFIX) <= _SOCKET_PATH_LIMIT:
        temp_dir.mkdir(parents=True, exist_ok=True)
        return temp_dir
    short = Path(tempfile.mkdtemp(prefix="automl-ray-"))
    temp_dir.parent.mkdir(parents=True, exist_ok=True)
    if not temp_dir.exists():
        temp_dir.symlink_to(short, target_is_directory=True)
    return short


def _init_ray(ray: Any, address: str | None, temp_dir: Path | None, devices: Sequence[str]) -> None:
    if address is not None:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
        return
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    gpus = len({d for d in devices if d.startswith("cuda")})
    kwargs: dict[str, Any] = {}
    if temp_dir is not None:
        kwargs["_temp_dir"] = str(_socket_safe(temp_dir))
    ray.init(
        num_cpus=len(devices),
        num_gpus=gpus,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
        **kwargs,
    )
