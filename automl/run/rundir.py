"""The run directory: its layout, the lock that keeps one search per directory, and the
checks that decide whether a search may start or resume there."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import yaml

from automl.config import Config
from automl.errors import RunDirectoryError

WEIGHTS_DIR = "weights"
STORE_FILE = "trials.db"
CONFIG_FILE = "config.yaml"
LOCK_FILE = ".lock"

MAY_CHANGE_ON_RESUME = (
    "search.evaluations",
    "search.max_seconds",
    "evaluator.backend",
    "evaluator.address",
    "evaluator.devices",
    "evaluator.workers_per_device",
    "evaluator.workers",
    "evaluator.trial_timeout_s",
    "evaluator.worker_memory_mb",
    "evaluator.keep_weights",
    "output",
)
"""The budget and where and how the workers run; every other setting shapes the trials in
the store (what is searched, how it is trained, timed, pruned and ranked), so a resumed run
must keep it."""


def weights_path(run_dir: Path, trial_id: int) -> Path:
    return run_dir / WEIGHTS_DIR / f"trial_{trial_id:05d}.pt"


def retrained_weights_path(run_dir: Path, trial_id: int, seed_index: int) -> Path:
    """Weights of one seed of a trial's final training (``automl retrain``)."""
    return run_dir / WEIGHTS_DIR / "retrained" / f"trial_{trial_id:05d}_seed{seed_index}.pt"


def check_new(run_dir: Path) -> None:
    if (run_dir / STORE_FILE).exists():
        raise RunDirectoryError(
            f"{run_dir} already holds a run ({STORE_FILE}); pass --resume "
            "to continue it, or choose another --out"
        )


def check_resumable(run_dir: Path, config: Config) -> None:
    """The directory holds a run whose trial-shaping settings equal ``config``'s."""
    if not (run_dir / STORE_FILE).exists() or not (run_dir / CONFIG_FILE).exists():
        raise RunDirectoryError(
            f"{run_dir} holds no run to resume (no {STORE_FILE} and "
            f"{CONFIG_FILE}); start one without --resume"
        )
    raw = yaml.safe_load((run_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    stored = _flat(type(config).model_validate(raw).model_dump(mode="json"))
    current = _flat(config.model_dump(mode="json"))
    changed = [
        key
        for key in sorted(set(stored) | set(current))
        if stored.get(key) != current.get(key) and not key.startswith(MAY_CHANGE_ON_RESUME)
    ]
    if changed:
        raise RunDirectoryError(
            f"{run_dir} was searched with other settings for {', '.join(changed)}; a resumed "
            f"run may change only {', '.join(MAY_CHANGE_ON_RESUME)}"
        )


class RunLock:
    """An exclusive lock on the run directory for the length of a search; the kernel drops it
    when the process dies, so a killed search never leaves a stale lock."""

    def __init__(self, run_dir: Path) -> None:
        self._path = run_dir / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise RunDirectoryError(
                f"another search is running in {self._path.parent} (it holds {LOCK_FILE})"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)


def search_running(run_dir: Path) -> bool:
    """Whether a search holds the run's lock now. The probe takes a shared lock for an
    instant and never waits, so it cannot hold up the search."""
    path = run_dir / LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's lock, if it got one
    return False


def _flat(data: dict, prefix: str = "") -> dict[str, object]:
    """Nested sections as dotted keys (``search.pruning.eta``)."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
