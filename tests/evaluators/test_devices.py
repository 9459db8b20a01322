"""Which device and core each worker slot gets, and which GPUs a local Ray may use: pure
functions, tested with injected device and core lists (no GPU needed)."""

from __future__ import annotations

import pytest

from evaluators import (
    DeviceError,
    EvaluationSettings,
    LatencySettings,
    latency_device,
    worker_cores,
)
from evaluators.ray_session import local_ray_resources

FOUR_GPUS = ["cuda:0", "cuda:1", "cuda:2", "cuda:3"]


@pytest.mark.parametrize(
    ("slot", "configured", "expected"),
    [
        ("cuda:2", "cuda:0", "cuda:2"),  # a GPU worker times on its own GPU
        ("cuda:0", "cuda:0", "cuda:0"),
        ("cuda:3", "cpu", "cpu"),  # CPU latency stays on the CPU
        ("cpu", "cpu", "cpu"),
        ("cpu", "cuda:1", "cuda:1"),  # a CPU worker has no GPU of its own
    ],
)
def test_latency_device_follows_the_slot_only_from_gpu_to_gpu(
    slot: str, configured: str, expected: str
) -> None:
    assert latency_device(slot, configured) == expected


def test_four_gpu_workers_time_latency_on_four_gpus() -> None:
    settings = EvaluationSettings(latency=LatencySettings(device="cuda:0", batch_size=8))
    per_slot = [settings.on_device(device) for device in FOUR_GPUS]
    assert [s.latency.device for s in per_slot] == FOUR_GPUS
    assert [s.train.device for s in per_slot] == FOUR_GPUS
    assert all(s.latency.batch_size == 8 for s in per_slot), "other latency settings changed"
    cpu_latency = EvaluationSettings().on_device("cuda:3")
    assert (cpu_latency.train.device, cpu_latency.latency.device) == ("cuda:3", "cpu")


@pytest.mark.parametrize(
    ("devices", "cores", "expected"),
    [
        (["cuda:0", "cuda:0", "cuda:1", "cuda:1"], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3]),
        (["cuda:0", "cuda:0", "cuda:1"], [4, 7], [4, 7, 4]),  # fewer cores: round-robin
        (["cpu", "cpu"], [2, 5, 9], [2, 5]),  # only the cores this process may use
        (["cpu", "cuda:0"], [0], [0, 0]),
    ],
)
def test_every_worker_gets_a_core_round_robin(
    devices: list[str], cores: list[int], expected: list[int]
) -> None:
    assert worker_cores(devices, cores) == expected


def test_gpu_workers_do_not_share_a_core_while_there_are_enough() -> None:
    devices = [d for d in FOUR_GPUS for _ in range(2)]
    assigned = worker_cores(devices, list(range(16)))
    assert len(set(assigned)) == len(devices)


def test_worker_cores_without_cores_names_the_input() -> None:
    with pytest.raises(DeviceError, match=r"`cores` must list at least one CPU core.*got \[\]"):
        worker_cores(["cpu"], [])


def test_local_ray_sees_only_the_listed_gpus() -> None:
    resources = local_ray_resources(["cuda:1", "cuda:3", "cuda:1", "cuda:3"], None)
    assert (resources.num_cpus, resources.num_gpus) == (4, 2)
    assert resources.environment == {"CUDA_VISIBLE_DEVICES": "1,3"}


def test_listed_gpus_are_translated_through_this_process_visible_devices() -> None:
    resources = local_ray_resources(["cuda:0", "cuda:2"], "4, 5,GPU-abc")
    assert resources.environment == {"CUDA_VISIBLE_DEVICES": "4,GPU-abc"}
    assert resources.num_gpus == 2


def test_cpu_slots_leave_the_gpu_environment_alone() -> None:
    resources = local_ray_resources(["cpu", "cpu"], "0,1")
    assert (resources.num_cpus, resources.num_gpus, resources.environment) == (2, 0, {})


@pytest.mark.parametrize(
    ("visible", "allowed"), [("4,5", "allows cuda:0 to cuda:1"), ("", "allows no GPU")]
)
def test_a_gpu_outside_the_visible_devices_is_refused_with_what_is_allowed(
    visible: str, allowed: str
) -> None:
    with pytest.raises(DeviceError, match=rf"'cuda:2'.*CUDA_VISIBLE_DEVICES='{visible}' {allowed}"):
        local_ray_resources(["cuda:0", "cuda:2"], visible)
