"""Inference latency: eval and inference mode, one thread, warm-up, then timed blocks.

The protocol follows what was measured on the 2-core machine this project targets: single
calls are too noisy to compare (their coefficient of variation is 0.04-0.4); interference
(another process, a slow phase of the virtual machine) only ever adds time and comes in
bursts that can cover a whole measurement; the machine drifts 4-5% over 20 minutes; a meter
that shares a core with a trainer reads 5-8% high. So:

- each block times many calls, and the estimate is the fastest block (medians and
  candidate/reference ratios repeat worse: ``experiments/benchmarks/evaluators_bench.py``);
- workers are pinned to their own cores (``LocalPool``), so no trainer shares the meter's;
- a fixed reference network is timed in blocks interleaved with the candidate's (their
  fastest blocks then come from the same stretch of time, so a disturbance that covers part
  of a measurement cannot slow one and spare the other), as in ``calibrate`` at the start of
  the run. A reference slower than its recent median marks a disturbed measurement, which is
  repeated; the median of its recent timings against the
  calibrated value is the machine's drift, which the estimate is scaled by. A disturbance
  that outlasts the retries slowed the reference alike, so that measurement is scaled by its
  own reference instead.
"""

from __future__ import annotations

import copy
import dataclasses
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from evaluators.runtimes import deployed
from evaluators.settings import LatencySettings
from genomes import GraphModule

_REFERENCE_BLOCKS = 5


@dataclass(frozen=True, slots=True)
class LatencyStats:
    latency_ms: float
    """The estimate: drift-corrected when a reference latency is set, else ``raw_ms``."""
    raw_ms: float
    """The candidate's fastest block, as mean time per call."""
    spread: float
    """Interquartile range of the candidate's block times divided by their median."""


class DriftTracker:
    """The reference network's recent timings in one process; their median against the
    calibrated ``reference_ms`` is the machine's current drift."""

    def __init__(self, window: int = 25) -> None:
        self._times: deque[float] = deque(maxlen=window)

    def add(self, seconds: float) -> None:
        self._times.append(seconds)

    def disturbed(self, seconds: float, tolerance: float) -> bool:
        """Whether a reference this slow means the core is in a slow phase now."""
        return len(self._times) >= 3 and seconds > (1 + tolerance) * statistics.median(self._times)

    def factor(self, reference_ms: float) -> float:
        return reference_ms / (statistics.median(self._times) * 1e3)


def reference_model(input_shape: tuple[int, ...]) -> nn.Module:
    """A fixed 3 x 512 MLP: the yardstick that every measurement is timed beside."""
    features = 1
    for size in input_shape:
        features *= size
    layers: list[nn.Module] = [nn.Flatten()]
    for fan_in in (features, 512, 512):
        layers += [nn.Linear(fan_in, 512), nn.ReLU()]
    layers.append(nn.Linear(512, 10))
    return nn.Sequential(*layers)


def calibrate(settings: LatencySettings, input_shape: tuple[int, ...]) -> LatencySettings:
    """Time the reference network as ``measure_latency`` times it beside each candidate and
    return settings that use it. A process's first timings run slow, so they are dropped."""
    meter = _Meter(settings, input_shape)
    calls = meter.calls_per_block(meter.reference)
    meter.reference_time(calls)
    fastest = [meter.reference_time(calls) for _ in range(5)]
    return dataclasses.replace(settings, reference_ms=statistics.median(fastest) * 1e3)


def prime_drift(
    drift: DriftTracker, input_shape: tuple[int, ...], settings: LatencySettings, count: int = 10
) -> None:
    """Fill a new process's tracker; this also warms the process up."""
    meter = _Meter(settings, input_shape)
    calls = meter.calls_per_block(meter.reference)
    for _ in range(count):
        drift.add(meter.reference_time(calls))


def measure_latency(
    model: nn.Module,
    input_shape: tuple[int, ...],
    settings: LatencySettings,
    drift: DriftTracker | None = None,
) -> LatencyStats:
    """Latency of ``model``: its fastest block. With ``settings.reference_ms`` set, a
    measurement during which the reference ran slow is repeated, and the result is corrected
    for drift through ``drift`` (a fresh tracker when None: only this measurement's timings)."""
    meter = _Meter(settings, input_shape)
    candidate = deployed(
        _inference_copy(model).to(settings.device), settings.runtime, meter.x, settings.threads
    )
    return _timed(meter, candidate, settings, drift)


def measure_deployed(
    candidate: Callable[[torch.Tensor], object],
    input_shape: tuple[int, ...],
    settings: LatencySettings,
    drift: DriftTracker | None = None,
) -> LatencyStats:
    """As ``measure_latency``, for a network already in the form that runs it (a callable on
    input tensors: an int8 ONNX Runtime session, say)."""
    return _timed(_Meter(settings, input_shape), candidate, settings, drift)


def _timed(
    meter: _Meter,
    candidate: Callable[[torch.Tensor], object],
    settings: LatencySettings,
    drift: DriftTracker | None,
) -> LatencyStats:
    calls = meter.calls_per_block(candidate)
    if settings.reference_ms is None:
        times = meter.blocks(candidate, calls, settings.blocks)
        raw_ms = min(times) * 1e3
        return LatencyStats(raw_ms, raw_ms, _relative_iqr(times))
    drift = drift if drift is not None else DriftTracker()
    reference_calls = meter.calls_per_block(meter.reference)
    attempts = []
    for attempt in range(1 + settings.retries):
        times, references = meter.interleaved(candidate, calls, reference_calls, settings.blocks)
        reference = min(references)
        attempts.append((reference, times))
        if not drift.disturbed(reference, settings.tolerance):
            break
        time.sleep(settings.retry_pause_s * 2**attempt)  # slow phases come in bursts
    reference, times = min(attempts, key=lambda attempt: attempt[0])
    raw_ms = min(times) * 1e3
    if drift.disturbed(reference, settings.tolerance):
        # a slow phase outlasted the retries: it slowed the reference beside the candidate
        # alike, so this measurement's own reference is the fairer yardstick
        factor = settings.reference_ms / (reference * 1e3)
    else:
        drift.add(reference)
        factor = drift.factor(settings.reference_ms)
    return LatencyStats(raw_ms * factor, raw_ms, _relative_iqr(times))


class _Meter:
    """Times networks on one input with the settings' device and thread count."""

    def __init__(self, settings: LatencySettings, input_shape: tuple[int, ...]) -> None:
        self.settings = settings
        self.x = torch.rand(settings.batch_size, *input_shape, device=settings.device)
        self.reference = reference_model(input_shape).to(settings.device).eval()

    def calls_per_block(self, model: nn.Module) -> int:
        """Warm up, then size a block so that it lasts about ``block_seconds``."""
        start = time.perf_counter()
        self.blocks(model, self.settings.warmup_calls, 1)
        per_call = (time.perf_counter() - start) / self.settings.warmup_calls
        return max(1, int(self.settings.block_seconds / max(per_call, 1e-7)))

    def interleaved(
        self, model: nn.Module, calls: int, reference_calls: int, count: int
    ) -> tuple[list[float], list[float]]:
        """``count`` blocks of the model, each followed by a block of the reference: both
        fastest blocks come from the same stretch of time, so a disturbance that covers part
        of it (another process on the core) cannot slow one and spare the other."""
        model_times, reference_times = [], []
        for _ in range(count):
            model_times += self.blocks(model, calls, 1)
            reference_times += self.blocks(self.reference, reference_calls, 1)
        return model_times, reference_times

    def reference_time(self, calls: int) -> float:
        """The reference's fastest of a few blocks: seconds per call."""
        return min(self.blocks(self.reference, calls, _REFERENCE_BLOCKS))

    @torch.inference_mode()
    def blocks(self, model: nn.Module, calls: int, count: int) -> list[float]:
        """Seconds per call in each of ``count`` consecutive blocks of ``calls`` calls."""
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.settings.threads)
        try:
            times = []
            for _ in range(count):
                start = time.perf_counter()
                for _ in range(calls):
                    model(self.x)
                _synchronize(self.settings.device)
                times.append((time.perf_counter() - start) / calls)
            return times
        finally:
            torch.set_num_threads(previous_threads)


def _inference_copy(model: nn.Module) -> nn.Module:
    """The network as it runs deployed: in eval mode, without eval-mode no-ops (dropout)."""
    if isinstance(model, GraphModule):
        return model.for_inference()
    return copy.deepcopy(model).eval()


def _relative_iqr(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    quartiles = statistics.quantiles(values, n=4)
    return (quartiles[2] - quartiles[0]) / statistics.median(values)


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)
