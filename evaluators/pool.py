"""A pool of long-lived worker processes with an asynchronous submit / next-result API."""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

import torch.multiprocessing as mp

from evaluators.data import TrainingData
from evaluators.trial import TrialRequest, TrialResult, TrialStatus
from evaluators.worker import STARTED, EvaluationSettings, worker_main

_SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
_POLL_SECONDS = 0.1


@dataclass
class _Slot:
    index: int
    device: str
    process: mp.Process | None = None
    connection: Connection | None = None
    request: TrialRequest | None = None
    started: float | None = None
    """When the worker began the current trial (its own start-up does not count)."""


class LocalPool:
    """One spawned process per slot, each training on its slot's device; the data reach every
    worker once, when it starts, and workers are reused for every trial.

    Each worker talks to the pool over its own pipe, so killing one cannot corrupt another's
    messages. A worker that dies or runs past ``trial_timeout`` seconds is replaced and its
    trial is returned as FAILED with the reason: every submission gets exactly one result.
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
            busy = {s.connection: s for s in self._slots if s.request is not None}
            for connection in wait(list(busy), timeout=_POLL_SECONDS):
                result = self._receive(busy[connection])
                if result is not None:
                    return result
            result = self._check_workers()
            if result is not None:
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
            with contextlib.suppress(OSError):
                slot.connection.send(None)
        for slot in self._slots:
            slot.process.join(timeout=5)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.connection.close()

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self, slot: _Slot) -> None:
        parent_end, child_end = self._context.Pipe(duplex=True)
        slot.connection = parent_end
        slot.started = None
        slot.process = self._context.Process(
            target=worker_main,
            name=f"automl-worker-{slot.index}",
            daemon=True,
            args=(slot.index, slot.device, self._data, self._settings, child_end),
        )
        with _environment(_SINGLE_THREAD_ENV):
            slot.process.start()
        child_end.close()

    def _dispatch(self) -> None:
        for slot in self._slots:
            if not self._pending:
                return
            if slot.request is None:
                if not slot.process.is_alive():
                    self._restart(slot)
                slot.request = self._pending.popleft()
                slot.connection.send(slot.request)

    def _receive(self, slot: _Slot) -> TrialResult | None:
        """Read one message; a result frees the slot. A broken pipe is left to the liveness
        check, which sees the dead process."""
        try:
            message = slot.connection.recv()
        except (EOFError, OSError):
            return self._check_workers()
        if message == STARTED:
            slot.started = time.monotonic()
            return None
        slot.request = None
        self._dispatch()
        return message

    def _check_workers(self) -> TrialResult | None:
        """Replace a dead or overdue worker and report its trial as FAILED."""
        now = time.monotonic()
        for slot in self._slots:
            if slot.request is None:
                continue
            if not slot.process.is_alive():
                reason = f"worker process died (exit code {slot.process.exitcode})"
            elif (
                self._timeout is not None
                and slot.started is not None
                and now - slot.started > self._timeout
            ):
                reason = f"trial timed out after {self._timeout:g} s"
            else:
                continue
            request, began = slot.request, slot.started or now
            self._restart(slot)
            slot.request = None
            self._dispatch()
            return TrialResult(
                request.trial_id,
                TrialStatus.FAILED,
                error=reason,
                seconds=now - began,
                worker=slot.index,
            )
        return None

    def _restart(self, slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.connection.close()
        self._start(slot)


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
