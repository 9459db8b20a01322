"""Inference latency: eval and inference mode, warm-up, then the median of timed blocks.

Single calls are too noisy to compare (their coefficient of variation on this machine is
0.04-0.4), so each block times many calls and the median over blocks is the estimate.
"""

from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass

import torch


@dataclass(frozen=True, slots=True)
class LatencySettings:
    device: str = "cpu"
    batch_size: int = 1
    threads: int = 1
    warmup_calls: int = 20
    blocks: int = 7
    block_seconds: float = 0.01


@dataclass(frozen=True, slots=True)
class LatencyStats:
    median_ms: float
    spread: float
    """Interquartile range of the block means divided by their median."""


@torch.inference_mode()
def measure_latency(
    model: torch.nn.Module, input_shape: tuple[int, ...], settings: LatencySettings
) -> LatencyStats:
    model = copy.deepcopy(model).to(settings.device).eval()
    x = torch.rand(settings.batch_size, *input_shape, device=settings.device)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        start = time.perf_counter()
        for _ in range(settings.warmup_calls):
            model(x)
        _synchronize(settings.device)
        per_call = (time.perf_counter() - start) / settings.warmup_calls
        calls = max(1, int(settings.block_seconds / max(per_call, 1e-7)))
        block_means = [
            _time_block(model, x, calls, settings.device) for _ in range(settings.blocks)
        ]
    finally:
        torch.set_num_threads(previous_threads)
    median = statistics.median(block_means)
    quartiles = statistics.quantiles(block_means, n=4) if len(block_means) > 1 else [median] * 3
    return LatencyStats(median * 1e3, (quartiles[2] - quartiles[0]) / median)


def _time_block(model: torch.nn.Module, x: torch.Tensor, calls: int, device: str) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        model(x)
    _synchronize(device)
    return (time.perf_counter() - start) / calls


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)
