"""A pool of long-lived worker processes with an asynchronous submit / next-result API."""

from __future__ import annotations

import contextlib
import os
import queue
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch.multiprocessing as mp

from evaluators.data import TrainingData
from evaluators.trial import TrialRequest, TrialResult, TrialStatus
from evaluators.worker import EvaluationSettings, worker_main

_SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
_POLL_SECONDS = 0.1


@dataclass
class _Slot:
    index: int
    device: str
    process: mp.Process | None = None
    tasks: mp.Queue | None = None
    request: TrialRequest | None = None
    started: float = 0.0


class LocalPool:
    """One spawned process per slot, each on its own device; the data reach every worker once,
    when it starts, and workers are reused for every trial.

    A worker that dies or runs past ``trial_timeout`` seconds is replaced and its trial is
    returned as FAILED with the reason, so a search always gets one result per submission.
    """

    def __init__(
        self,
        data: TrainingData,
        settings: EvaluationSettings,
        devices: Sequence[str],
        trial_timeout: float | None = None,
    ) -> None:
        self._data = data
        self._settings = settings
        self._timeout = trial_timeout
        self._context = mp.get_context("spawn")
        self._results: mp.Queue = self._context.Queue()
        self._pending: deque[TrialRequest] = deque()
        self._slots = [_Slot(i, device) for i, device in enumerate(devices)]
        for slot in self._slots:
            self._start(slot)

    @property
    def capacity(self) -> int:
        return len(self._slots)

    @property
    def in_flight(self) -> int:
        return len(self._pending) + sum(slot.request is not None for slot in self._slots)

    def submit(self, request: TrialRequest) -> None:
        self._pending.append(request)
        self._dispatch()

    def next_result(self, timeout: float | None = None) -> TrialResult | None:
        """The next finished trial, in completion order; None if ``timeout`` passes first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            try:
                result = self._results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                result = self._check_workers()
            if result is not None and self._finish(result):
                return result
        return None

    def results(self) -> Iterator[TrialResult]:
        """Yield results until nothing is in flight."""
        while self.in_flight:
            result = self.next_result()
            if result is not None:
                yield result

    def close(self) -> None:
        for slot in self._slots:
            if slot.process is not None and slot.process.is_alive():
                slot.tasks.put(None)
        for slot in self._slots:
            if slot.process is not None:
                slot.process.join(timeout=5)
                if slot.process.is_alive():
                    slot.process.kill()
                    slot.process.join()

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self, slot: _Slot) -> None:
        slot.tasks = self._context.Queue()
        slot.process = self._context.Process(
            target=worker_main,
            name=f"automl-worker-{slot.index}",
            daemon=True,
            args=(slot.index, self._data, self._settings, slot.tasks, self._results),
        )
        with _environment(_SINGLE_THREAD_ENV):
            slot.process.start()

    def _dispatch(self) -> None:
        for slot in self._slots:
            if not self._pending:
                return
            if slot.request is None:
                slot.request = self._pending.popleft()
                slot.started = time.monotonic()
                slot.tasks.put(slot.request)

    def _finish(self, result: TrialResult) -> bool:
        """Free the slot that ran ``result``'s trial. False for a stale result: one that a
        worker sent just before it was killed for a timeout already reported as FAILED."""
        for slot in self._slots:
            if slot.request is not None and slot.request.trial_id == result.trial_id:
                slot.request = None
                self._dispatch()
                return True
        return False

    def _check_workers(self) -> TrialResult | None:
        """Replace a dead or overdue worker and report its trial as FAILED."""
        now = time.monotonic()
        for slot in self._slots:
            if slot.request is None:
                continue
            if not slot.process.is_alive():
                reason = f"worker process died (exit code {slot.process.exitcode})"
            elif self._timeout is not None and now - slot.started > self._timeout:
                reason = f"trial timed out after {self._timeout:g} s"
                slot.process.kill()
                slot.process.join()
            else:
                continue
            request = slot.request
            self._start(slot)
            return TrialResult(
                request.trial_id,
                TrialStatus.FAILED,
                error=reason,
                seconds=now - slot.started,
                worker=slot.index,
            )
        return None


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a child about to start; restore the parent's after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
