"""The evaluator backends by their YAML names (``evaluator.backend``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evaluators.data import TrainingData
from evaluators.pool import LocalPool
from evaluators.settings import EvaluationSettings
from evaluators.worker import Reporter
from genomes import Registry

PoolFactory = Callable[..., Any]
BACKENDS: Registry[PoolFactory] = Registry("evaluator backend")


def _local_pool(data, settings, devices, trial_timeout, address, temp_dir, reporter):  # noqa: ANN001, ANN202
    return LocalPool(data, settings, devices, trial_timeout, reporter=reporter)


def _ray_pool(data, settings, devices, trial_timeout, address, temp_dir, reporter):  # noqa: ANN001, ANN202
    from evaluators.ray_pool import RayPool  # Ray is an optional extra

    return RayPool(
        data,
        settings,
        devices,
        trial_timeout,
        address=address,
        temp_dir=temp_dir,
        reporter=reporter,
    )


BACKENDS.register("local", _local_pool)
BACKENDS.register("ray", _ray_pool)


def make_pool(
    backend: str,
    data: TrainingData,
    settings: EvaluationSettings,
    devices: Sequence[str],
    trial_timeout: float | None = None,
    address: str | None = None,
    temp_dir: Path | None = None,
    reporter: Reporter | None = None,
) -> Any:
    """A started pool of the named backend; ``address`` and ``temp_dir`` apply to Ray only;
    ``reporter`` answers every trial's per-epoch report (the pruner)."""
    return BACKENDS.get(backend)(
        data, settings, devices, trial_timeout, address, temp_dir, reporter
    )
