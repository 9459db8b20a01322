"""What a worker is asked to do and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from genomes import Genome


class TrialStatus(str, Enum):
    """Every state a trial can be in; the store keeps the value, nothing else spells it."""

    RUNNING = "RUNNING"
    """Submitted, no result yet."""
    COMPLETE = "COMPLETE"
    PRUNED = "PRUNED"
    """Stopped early by the search's pruner; its best weights and partial curve are kept."""
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"
    """Running when the search stopped (Ctrl-C, a crash); run again on resume."""

    @property
    def trained(self) -> bool:
        """Whether the trial produced a trained network (with weights)."""
        return self in (TrialStatus.COMPLETE, TrialStatus.PRUNED)

    @property
    def finished(self) -> bool:
        """Whether the trial has its result (a failure is a result)."""
        return self.trained or self is TrialStatus.FAILED


TRAINED = (TrialStatus.COMPLETE, TrialStatus.PRUNED)
FINISHED = (*TRAINED, TrialStatus.FAILED)


@dataclass(frozen=True, slots=True)
class TrialRequest:
    trial_id: int
    genome: Genome
    seed: int


@dataclass(frozen=True, slots=True)
class TrialResult:
    """The outcome of one trial. ``weights`` is a serialised state dict (``torch.save`` bytes)
    so the parent can write it to disk without deserialising it."""

    trial_id: int
    status: TrialStatus
    val_accuracy: float | None = None
    latency_ms: float | None = None
    latency_spread: float | None = None
    params: int | None = None
    flops: int | None = None
    weight_bytes: int | None = None
    epochs: int = 0
    seconds: float = 0.0
    curve: tuple[float, ...] = ()
    error: str | None = None
    worker: int | None = None
    weights: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class EpochReport:
    """What a worker reports after each epoch: the validation accuracy so far, with what was
    measured before training (latency, parameters, FLOPs, weight bytes), so that a pruner can
    rank the trial on whichever objectives the search has."""

    trial_id: int
    epoch: int
    val_accuracy: float
    latency_ms: float | None = None
    params: int | None = None
    flops: int | None = None
    weight_bytes: int | None = None


def trial_seed(search_seed: int, trial_id: int) -> int:
    """A per-trial seed that depends only on the search seed and the trial id, not the worker."""
    return int(np.random.SeedSequence([search_seed, trial_id]).generate_state(1)[0])
