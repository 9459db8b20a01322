"""Inference latency: eval and inference mode, one thread, warm-up, then timed blocks.

The protocol follows what was measured on the 2-core machine this project targets: single
calls are too noisy to compare (their coefficient of variation is 0.04-0.4), batch-1 medians
are stable to about 1% within a run but drift 4-5% over 20 minutes, and a meter that shares a
core with a trainer reads 5-8% high. So each block times many calls; the estimate is a median
over blocks; workers are pinned to their own cores (see ``LocalPool``); and a fixed reference
network is timed in the block beside each candidate block, so the reported latency is
``median(candidate / reference) * reference_ms``: the drift of the machine cancels out.
"""

from __future__ import annotations

import copy
import dataclasses
import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True, slots=True)
class LatencySettings:
    device: str = "cpu"
    batch_size: int = 1
    threads: int = 1
    warmup_calls: int = 20
    blocks: int = 7
    block_seconds: float = 0.01
    reference_ms: float | None = None
    """Latency of ``reference_model`` measured once per run (``calibrate``); None times the
    candidate alone and reports its raw median."""


@dataclass(frozen=True, slots=True)
class LatencyStats:
    median_ms: float
    """The estimate: drift-corrected when a reference latency is set, else the raw median."""
    raw_ms: float
    """Median over blocks of the candidate's own mean call time."""
    spread: float
    """Interquartile range over blocks divided by the median (of the ratios, with a reference)."""


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
    """Measure the reference network alone and return settings that use it."""
    plain = dataclasses.replace(settings, reference_ms=None)
    reference_ms = measure_latency(reference_model(input_shape), input_shape, plain).median_ms
    return dataclasses.replace(settings, reference_ms=reference_ms)


@torch.inference_mode()
def measure_latency(
    model: nn.Module, input_shape: tuple[int, ...], settings: LatencySettings
) -> LatencyStats:
    candidate = copy.deepcopy(model).to(settings.device).eval()
    reference = None
    if settings.reference_ms is not None:
        reference = reference_model(input_shape).to(settings.device).eval()
    x = torch.rand(settings.batch_size, *input_shape, device=settings.device)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        candidate_calls = _calls_per_block(candidate, x, settings)
        reference_calls = _calls_per_block(reference, x, settings) if reference else 0
        candidate_times, ratios = [], []
        for _ in range(settings.blocks):
            candidate_times.append(_time_block(candidate, x, candidate_calls, settings.device))
            if reference is not None:
                ref_time = _time_block(reference, x, reference_calls, settings.device)
                ratios.append(candidate_times[-1] / ref_time)
    finally:
        torch.set_num_threads(previous_threads)
    raw_ms = statistics.median(candidate_times) * 1e3
    if settings.reference_ms is None:
        return LatencyStats(raw_ms, raw_ms, _relative_iqr(candidate_times))
    ratio = statistics.median(ratios)
    return LatencyStats(ratio * settings.reference_ms, raw_ms, _relative_iqr(ratios))


def _calls_per_block(model: nn.Module, x: torch.Tensor, settings: LatencySettings) -> int:
    """Warm up, then size a block so that it lasts about ``block_seconds``."""
    start = time.perf_counter()
    for _ in range(settings.warmup_calls):
        model(x)
    _synchronize(settings.device)
    per_call = (time.perf_counter() - start) / settings.warmup_calls
    return max(1, int(settings.block_seconds / max(per_call, 1e-7)))


def _time_block(model: nn.Module, x: torch.Tensor, calls: int, device: str) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        model(x)
    _synchronize(device)
    return (time.perf_counter() - start) / calls


def _relative_iqr(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    quartiles = statistics.quantiles(values, n=4)
    return (quartiles[2] - quartiles[0]) / statistics.median(values)


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)
