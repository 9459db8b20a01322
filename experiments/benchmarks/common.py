"""Shared helpers for the benchmarks: the digits data, the machine description, and writing a
result fragment that ``collect.py`` assembles into experiments/RESULTS.md."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"


def digits_splits():  # noqa: ANN201 - automl.DatasetSplits, imported lazily
    from automl import load_config, load_dataset

    config = load_config(Path(__file__).resolve().parents[1] / "digits.yaml")
    return load_dataset(config.dataset)


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"torch {torch.__version__}"
    )


def spread(values: list[float]) -> float:
    """(max - min) / median: the widest disagreement between repeated measurements."""
    return (max(values) - min(values)) / statistics.median(values)


def timed_search(
    config_file: Path, workdir: Path, name: str, seed: int, evaluations: int, pruning: bool
) -> tuple[Path, float]:
    """Run ``config_file`` with this seed, budget and pruning as a real ``automl search``
    subprocess; its run directory and wall time, start-up included."""
    import subprocess
    import sys
    import time

    import yaml

    config = yaml.safe_load(config_file.read_text())
    config["search"].update(seed=seed, evaluations=evaluations, pruning={"enabled": pruning})
    (workdir / f"{name}.yaml").write_text(yaml.safe_dump(config))
    start = time.perf_counter()
    command = ["search", str(workdir / f"{name}.yaml"), "--out", str(workdir / name)]
    subprocess.run(
        [sys.executable, "-m", "automl.cli", *command], check=True, stdout=subprocess.DEVNULL
    )
    return workdir / name, time.perf_counter() - start


def write_fragment(name: str, markdown: str) -> None:
    import datetime

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = f"\n\nMeasured {datetime.datetime.now().isoformat(timespec='minutes')}.\n"
    (RESULTS_DIR / f"{name}.md").write_text(markdown.rstrip() + stamp)
    print(markdown)
