"""What every worker pool shares: slot bookkeeping and the asynchronous submit / result API."""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from evaluators.scheduler import Slot, SlotScheduler
from evaluators.trial import TrialRequest, TrialResult, TrialStatus
from evaluators.worker import Reporter

POLL_SECONDS = 0.1


class WorkerPool(ABC):
    """Template for a backend: ``next_result`` waits through ``_poll``, which a backend writes
    to return a finished trial (or a FAILED one for a dead or overdue worker) or None."""

    def __init__(self, devices: Sequence[str], reporter: Reporter | None = None) -> None:
        self._scheduler = SlotScheduler(devices)
        self._reporter = reporter

    @property
    def capacity(self) -> int:
        return len(self._scheduler.slots)

    @property
    def in_flight(self) -> int:
        return self._scheduler.in_flight

    def submit(self, request: TrialRequest) -> None:
        self._scheduler.submit(request)
        self._dispatch()

    def next_result(self, timeout: float | None = None) -> TrialResult | None:
        """The next finished trial, in completion order; None if ``timeout`` passes first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            result = self._poll(POLL_SECONDS)
            if result is not None:
                self._record(result)
                return result
        return None

    def results(self) -> Iterator[TrialResult]:
        """Yield results until nothing is in flight."""
        while self.in_flight:
            result = self.next_result()
            if result is not None:
                yield result

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _dispatch(self) -> None:
        """Send the trials that ``self._scheduler.assign()`` places to their workers."""

    @abstractmethod
    def _poll(self, seconds: float) -> TrialResult | None: ...

    def _finish(self, slot: Slot, result: TrialResult) -> TrialResult:
        """Free the slot, refill the workers, and hand the result on."""
        self._scheduler.release(result.trial_id)
        self._dispatch()
        return result

    def _record(self, result: TrialResult) -> None:
        """Tell the reporter (the pruner) that a trial has finished, weights left out."""
        if self._reporter is not None:
            self._reporter.record(dataclasses.replace(result, weights=None))

    @staticmethod
    def _failure(slot: Slot, began: float, reason: str) -> TrialResult:
        return TrialResult(
            slot.request.trial_id,
            TrialStatus.FAILED,
            error=reason,
            seconds=time.monotonic() - began,
            worker=slot.index,
        )
