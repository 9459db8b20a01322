"""The local backend: long-lived worker processes on this machine."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait

import torch.multiprocessing as mp  # registers the shared-memory pickling of tensors

from evaluators.data import TrainingData
from evaluators.devices import available_cores, worker_cores
from evaluators.environment import child_environment
from evaluators.pool_base import WorkerPool
from evaluators.processes import SINGLE_THREAD_ENV, worker_context
from evaluators.scheduler import Slot
from evaluators.settings import EvaluationSettings
from evaluators.trial import TrialResult
from evaluators.worker import (
    REPORT,
    STARTED,
    Reporter,
    TrialFunction,
    evaluate_trial,
    worker_main,
)


class _Worker:
    """The process behind one slot and the pipe to it."""

    def __init__(self, process: mp.Process, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.started: float | None = None
        """When the current trial began in the worker (its own start-up does not count)."""


class LocalPool(WorkerPool):
    """One process per slot (``worker_context``), each on its slot's device and pinned to a
    core of its own (round-robin over this process's cores, GPU slots too: ``worker_cores``);
    the data reach every worker once, when it starts (tensors travel through shared memory),
    and workers are reused for every trial.

    Each worker talks to the pool over its own pipe, so killing one cannot corrupt another's
    messages. A worker that dies or runs past ``trial_timeout`` seconds is replaced and its
    trial is returned as FAILED with the reason: every submission gets exactly one result.
    ``evaluate`` is the module-level function a worker runs per trial (``evaluate_trial``);
    ``reporter``, when given, answers every epoch's report (a pruner's decision).
    """

    def __init__(
        self,
        data: TrainingData,
        settings: EvaluationSettings,
        devices: Sequence[str],
        trial_timeout: float | None = None,
        evaluate: TrialFunction = evaluate_trial,
        reporter: Reporter | None = None,
    ) -> None:
        super().__init__(devices, reporter)
        self._data = data
        self._settings = settings
        self._timeout = trial_timeout
        self._evaluate = evaluate
        self._context = worker_context()
        self._cores = worker_cores(devices, available_cores())
        self._workers = {slot.index: self._start(slot) for slot in self._scheduler.slots}

    def close(self) -> None:
        """Idle workers finish cleanly; busy ones (a stop or Ctrl-C mid-trial) are killed."""
        for slot in self._scheduler.slots:
            worker = self._workers[slot.index]
            if slot.busy:
                worker.process.kill()
                continue
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        for worker in self._workers.values():
            worker.process.join(timeout=5)
            _stop(worker)

    def _poll(self, seconds: float) -> TrialResult | None:
        busy = {self._workers[s.index].connection: s for s in self._scheduler.slots if s.busy}
        for connection in wait(list(busy), timeout=seconds):
            result = self._receive(busy[connection])
            if result is not None:
                return result
        return self._check_workers()

    def _start(self, slot: Slot) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            name=f"automl-worker-{slot.index}",
            daemon=True,
            args=(
                slot.index,
                slot.device,
                self._cores[slot.index],
                self._data,
                self._settings,
                self._evaluate,
                child_end,
                self._reporter is not None,
            ),
        )
        with child_environment(SINGLE_THREAD_ENV):
            process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _dispatch(self) -> None:
        for slot in self._scheduler.assign():
            worker = self._workers[slot.index]
            if not worker.process.is_alive():
                worker = self._restart(slot)
            worker.started = None
            worker.connection.send(slot.request)

    def _receive(self, slot: Slot) -> TrialResult | None:
        """Read one message; a result frees the slot. A broken pipe is left to the liveness
        check, which sees the dead process."""
        worker = self._workers[slot.index]
        try:
            message = worker.connection.recv()
        except (EOFError, OSError):
            return self._check_workers()
        if message == STARTED:
            worker.started = time.monotonic()
            return None
        if isinstance(message, tuple) and message[0] == REPORT:
            worker.connection.send(self._reporter.report(message[1]))
            return None
        return self._finish(slot, message)

    def _check_workers(self) -> TrialResult | None:
        """Replace a dead or overdue worker and report its trial as FAILED."""
        now = time.monotonic()
        for slot in self._scheduler.slots:
            worker = self._workers[slot.index]
            if not slot.busy:
                continue
            if not worker.process.is_alive():
                reason = f"worker process died (exit code {worker.process.exitcode})"
            elif (
                self._timeout is not None
                and worker.started is not None
                and now - worker.started > self._timeout
            ):
                reason = f"trial timed out after {self._timeout:g} s"
            else:
                continue
            failure = self._failure(slot, worker.started or now, reason)
            self._restart(slot)
            return self._finish(slot, failure)
        return None

    def _restart(self, slot: Slot) -> _Worker:
        _stop(self._workers[slot.index])
        self._workers[slot.index] = self._start(slot)
        return self._workers[slot.index]


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
    worker.connection.close()
