"""What the workers are told: training, latency and per-worker settings. Plain dataclasses
without torch, so that a config is validated (and refused) without importing it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from evaluators.devices import latency_device


@dataclass(frozen=True, slots=True)
class TrainSettings:
    max_epochs: int = 30
    patience: int = 4
    min_delta: float = 0.0
    device: str = "cpu"
    mixed_precision: bool = False
    """bf16 autocast for the forward pass on CUDA; ignored on the CPU."""
    restore_best: bool = True
    """Return the weights of the best validation epoch; False keeps the last epoch's (final
    training, where the held-out split only measures and must choose nothing)."""


@dataclass(frozen=True, slots=True)
class LatencySettings:
    device: str = "cpu"
    batch_size: int = 1
    threads: int = 1
    warmup_calls: int = 100
    blocks: int = 25
    block_seconds: float = 0.002
    tolerance: float = 0.10
    """A reference this much slower than its recent median marks a disturbed measurement,
    repeated up to ``retries`` times after pauses that double from ``retry_pause_s`` (0.35 s
    in all); the attempt whose reference ran fastest is kept. Interleaved with a candidate,
    the reference runs 1.5-2.5% slower than alone (the candidate's weights evict its own), so
    a tolerance near that flags undisturbed measurements and pauses for nothing."""
    retries: int = 3
    retry_pause_s: float = 0.05
    reference_ms: float | None = None
    """Latency of ``reference_model`` measured once per run (``calibrate``); None times the
    candidate alone, without disturbance checks or drift correction."""
    runtime: str = "eager"
    """Where the candidate is timed (``runtimes.RUNTIMES``); the reference always runs
    eager: it is the yardstick of the machine's speed, not a deployed network."""


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """What every worker is told; ``on_device`` gives one slot's copy.

    A worker trains on its slot's device. It times latency on ``latency.device``, with one
    exception: when that is a GPU and the worker's slot is a GPU too, the worker times on its
    own GPU, so that the workers of four GPUs do not all time on cuda:0 (the GPUs of one run
    are taken to be alike). ``latency.device: cpu`` keeps every worker's timing on the CPU,
    on its own pinned core."""

    train: TrainSettings = TrainSettings()
    latency: LatencySettings = LatencySettings()
    memory_limit_mb: int | None = None
    """Cap on each worker's private memory (``limit_memory``): a trial that needs more fails
    as out of memory instead of drawing the OOM killer onto the machine."""

    def on_device(self, device: str) -> EvaluationSettings:
        """The settings of a worker whose slot is ``device``."""
        timing = latency_device(device, self.latency.device)
        return dataclasses.replace(
            self,
            train=dataclasses.replace(self.train, device=device),
            latency=dataclasses.replace(self.latency, device=timing),
        )
