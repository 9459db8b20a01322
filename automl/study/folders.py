"""Where a study is kept: ``RUN/studies/<name>/``, one folder per study, none overwritten, so
that studies of several devices or settings stand side by side."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from automl.errors import RunDirectoryError
from automl.study.measure import StudySetting

STUDIES_DIR = "studies"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")


def default_study_name(settings: Iterable[StudySetting]) -> str:
    """A name from the settings: devices, batch sizes, thread counts and runtimes other than
    eager, e.g. ``cpu+cuda0_b1-8_t1`` or ``cpu_b1_t1_eager-onnxruntime-onnxruntime-int8``."""

    def joined(values: Iterable[object]) -> str:
        return "-".join(str(value) for value in dict.fromkeys(values))

    settings = list(settings)
    devices = "+".join(dict.fromkeys(s.device.replace(":", "") for s in settings))
    batches = joined(s.batch_size for s in settings)
    name = f"{devices}_b{batches}_t{joined(s.threads for s in settings)}"
    runtimes = joined(s.runtime + ("-int8" if s.quantize == "int8" else "") for s in settings)
    return name if runtimes == "eager" else f"{name}_{runtimes}"


def new_study_dir(run_dir: Path, name: str) -> Path:
    """The folder a new study named ``name`` goes to; refused where the name is not a plain
    folder name or a study of that name exists (studies are never overwritten)."""
    if not _NAME.fullmatch(name):
        raise RunDirectoryError(
            f"--name {name!r} is not a study name; allowed: letters, digits, '_', '.', '+' "
            "and '-', starting with a letter or digit, at most 100 characters"
        )
    folder = run_dir / STUDIES_DIR / name
    if folder.exists():
        raise RunDirectoryError(
            f"a study named {name!r} exists in {folder.parent}; studies are never "
            "overwritten: choose another --name"
        )
    return folder
