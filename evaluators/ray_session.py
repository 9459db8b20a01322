"""The Ray that a ``RayPool`` runs on: a cluster it joins, or a local Ray it starts and stops.

Files. A local Ray keeps its files in ``temp_dir`` (inside the run directory). Where Ray's
Unix socket paths below it would pass the kernel's 107-byte limit, the files go to a short
scratch folder in the system temp directory instead, linked from ``temp_dir``; the session
removes the folder and the link when it closes (Ray's logs go with them), on a normal end as on
an interrupted one. Only a killed driver (SIGKILL) leaves the folder behind.

GPUs. A local Ray may use exactly the GPUs that the device list names: its raylet starts with
``CUDA_VISIBLE_DEVICES`` set to their ids and ``num_gpus`` to their count, as Ray documents for
its nodes ("``CUDA_VISIBLE_DEVICES=1,3 ray start --head --num-gpus=2`` lets Ray only see devices
1 and 3"). Ray then chooses which of those GPUs each actor's share comes from, and shows it to
the actor as its only GPU (``cuda:0`` there): ``[cuda:1, cuda:3]`` keeps every actor on GPUs 1
and 3, but not a given actor on a given one of them. A joined cluster (``address``) offers the
GPUs its nodes were started with (``CUDA_VISIBLE_DEVICES=... ray start --num-gpus=N`` on each
node); a driver cannot narrow them, so there the device list only says how many GPUs and how
many workers per GPU, and its ids pick nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluators.devices import DeviceError
from evaluators.environment import child_environment

_SOCKET_PATH_LIMIT = 107
_SOCKET_SUFFIX = "/session_2026-01-01_00-00-00_000000_1234567/sockets/plasma_store"
SCRATCH_PREFIX = "automl-ray-"
"""The name prefix of a scratch folder in the system temp directory."""


@dataclass(frozen=True, slots=True)
class LocalRayResources:
    """What a local Ray for a device list is started with."""

    num_cpus: int
    num_gpus: int
    environment: dict[str, str] = field(default_factory=dict)
    """Set for the raylet only (it keeps it for its life); empty when no GPU is listed."""


def local_ray_resources(devices: Sequence[str], visible: str | None) -> LocalRayResources:
    """One CPU per slot, and exactly the listed GPUs. ``visible`` is this process's own
    ``CUDA_VISIBLE_DEVICES`` (None when unset): ``cuda:N`` here is its Nth entry, which is the
    id the raylet must be given."""
    indices = sorted({int(d.removeprefix("cuda:")) for d in devices if d.startswith("cuda:")})
    if not indices:
        return LocalRayResources(len(devices), 0)
    ids = [str(i) for i in range(indices[-1] + 1)] if visible is None else _entries(visible)
    if indices[-1] >= len(ids):
        allowed = f"cuda:0 to cuda:{len(ids) - 1}" if ids else "no GPU"
        raise DeviceError(
            f"`evaluator.devices` entry 'cuda:{indices[-1]}' is not visible here; "
            f"CUDA_VISIBLE_DEVICES={visible!r} allows {allowed}"
        )
    chosen = ",".join(ids[i] for i in indices)
    return LocalRayResources(len(devices), len(indices), {"CUDA_VISIBLE_DEVICES": chosen})


def _entries(visible: str) -> list[str]:
    return [entry.strip() for entry in visible.split(",") if entry.strip()]


class RaySession:
    """Connects to Ray unless this process already is: joins ``address``, or starts a local
    Ray for ``devices`` with its files in ``temp_dir``. ``close`` undoes what was done here
    (shut down, scratch folder removed) and leaves alone a Ray that was already running."""

    def __init__(
        self, ray: Any, address: str | None, temp_dir: Path | None, devices: Sequence[str]
    ) -> None:
        self._ray = ray
        self.owned = not ray.is_initialized()
        self.scratch: Path | None = None
        """The scratch folder this session made, if any."""
        self._link: Path | None = None
        if not self.owned:
            return
        try:
            self._connect(address, temp_dir, devices)
        except BaseException:
            self._remove_scratch()
            raise

    def close(self) -> None:
        if not self.owned:
            return
        try:
            self._ray.shutdown()
        finally:
            self._remove_scratch()

    def _connect(self, address: str | None, temp_dir: Path | None, devices: Sequence[str]) -> None:
        quiet = {"logging_level": "ERROR", "log_to_driver": False}
        if address is not None:
            self._ray.init(address=address, **quiet)
            return
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        resources = local_ray_resources(devices, os.environ.get("CUDA_VISIBLE_DEVICES"))
        files = {} if temp_dir is None else {"_temp_dir": str(self._files_dir(temp_dir))}
        with child_environment(resources.environment):
            self._ray.init(
                num_cpus=resources.num_cpus,
                num_gpus=resources.num_gpus,
                include_dashboard=False,
                **quiet,
                **files,
            )

    def _files_dir(self, temp_dir: Path) -> Path:
        """``temp_dir``, or a scratch folder linked from it when socket paths below
        ``temp_dir`` would be too long. A link left by a killed run is replaced."""
        temp_dir = temp_dir.parent.resolve() / temp_dir.name  # not through an old link
        if len(str(temp_dir)) + len(_SOCKET_SUFFIX) <= _SOCKET_PATH_LIMIT:
            temp_dir.mkdir(parents=True, exist_ok=True)
            return temp_dir
        self.scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        temp_dir.parent.mkdir(parents=True, exist_ok=True)
        if temp_dir.is_symlink():
            temp_dir.unlink()
        if not temp_dir.exists():
            temp_dir.symlink_to(self.scratch, target_is_directory=True)
            self._link = temp_dir
        return self.scratch

    def _remove_scratch(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        if self._link is not None:
            self._link.unlink(missing_ok=True)
