"""Which trial runs on which worker slot: pure bookkeeping, shared by every backend and tested
without processes or devices."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from evaluators.trial import TrialRequest


@dataclass
class Slot:
    index: int
    device: str
    request: TrialRequest | None = None

    @property
    def busy(self) -> bool:
        return self.request is not None


class SlotScheduler:
    """FIFO queue of submitted trials over a fixed list of slots, one trial per slot at most."""

    def __init__(self, devices: Sequence[str]) -> None:
        if not devices:
            raise ValueError("a pool needs at least one worker slot")
        self.slots = [Slot(i, device) for i, device in enumerate(devices)]
        self._pending: deque[TrialRequest] = deque()

    @property
    def in_flight(self) -> int:
        return len(self._pending) + sum(slot.busy for slot in self.slots)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, request: TrialRequest) -> None:
        self._pending.append(request)

    def assign(self) -> list[Slot]:
        """Place pending trials on free slots, in slot order; returns the slots just filled."""
        filled = []
        for slot in self.slots:
            if not self._pending:
                break
            if not slot.busy:
                slot.request = self._pending.popleft()
                filled.append(slot)
        return filled

    def release(self, trial_id: int) -> Slot | None:
        """Free the slot running ``trial_id``; None if no slot runs it (a stale result)."""
        for slot in self.slots:
            if slot.request is not None and slot.request.trial_id == trial_id:
                slot.request = None
                return slot
        return None
