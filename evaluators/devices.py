"""Worker slots: the device each worker trains and times latency on, and the core it runs on."""

from __future__ import annotations

import os
from collections.abc import Sequence

from genomes import AutoMLError


class DeviceError(AutoMLError, ValueError):
    """A device list that this machine cannot provide."""


def available_cores() -> list[int]:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def available_cpus() -> int:
    return len(available_cores())


def resolve_slots(
    devices: str | Sequence[str], workers_per_device: int = 1, workers: int | None = None
) -> list[str]:
    """One entry per worker process. ``auto``: every visible GPU ``workers_per_device`` times,
    else one single-threaded CPU process per core. ``workers`` caps or sets the total."""
    import torch

    if devices == "auto":
        gpus = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
        slots = gpus * workers_per_device if gpus else ["cpu"] * available_cpus()
    else:
        for device in devices:
            check_device(device, "evaluator.devices")
        slots = [d for d in devices for _ in range(workers_per_device)]
    if workers is not None:
        slots = [slots[i % len(slots)] for i in range(workers)]
    return slots


def check_device(device: str, key: str) -> None:
    """Raise ``DeviceError`` naming ``key`` when ``device`` is not on this machine."""
    import torch

    gpu_count = torch.cuda.device_count()
    if device == "cpu":
        return
    index = device.removeprefix("cuda:")
    if device.startswith("cuda:") and index.isdigit() and int(index) < gpu_count:
        return
    visible = ["cpu"] + [f"cuda:{i}" for i in range(gpu_count)]
    raise DeviceError(f"`{key}` entry {device!r} is not available here; allowed: {visible}")


def latency_device(slot: str, configured: str) -> str:
    """Where a worker on ``slot`` times latency: on its own GPU when both ``slot`` and the
    configured ``latency.device`` are GPUs (so that workers on four GPUs do not all time on
    cuda:0), else on the configured device (``cpu``: the worker's own pinned core)."""
    if slot.startswith("cuda") and configured.startswith("cuda"):
        return slot
    return configured


def worker_cores(devices: Sequence[str], cores: Sequence[int]) -> list[int]:
    """The core each slot's worker is pinned to, round-robin over ``cores`` in slot order, GPU
    slots too: a GPU worker's Python and kernel dispatch then never share a core with another
    worker while there are as many cores as slots."""
    if not cores:
        raise DeviceError(f"`cores` must list at least one CPU core to pin workers to; got {cores}")
    return [cores[index % len(cores)] for index in range(len(devices))]
