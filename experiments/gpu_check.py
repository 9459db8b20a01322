"""One short check of the GPU path, for a machine with a GPU to run in one call (under 5
minutes); with ``--device cpu`` and a small budget it is a dry run of well under a minute.

1. A real search (``automl search`` in a subprocess) on the built-in digits: two workers per
   device, latency timed on the device, a hung trial failed after 120 s; meanwhile
   ``nvidia-smi`` samples the GPU's utilisation every second, where it exists.
2. The same short training with bf16 autocast off and on (``evaluator.mixed_precision``).
3. The latency of a small network at batch 1 and 64 (``measure_latency`` on the device).

It prints one line per result, keeps them in OUT/report.txt, and exits 1 on any failure (a
failed trial is one), 2 on a bad argument.

Run: .venv/bin/python -m experiments.gpu_check [--device cuda:0] [--budget 24] [--max-epochs 5]
     [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from experiments.benchmarks.common import digits_splits, machine

if TYPE_CHECKING:
    from automl import DatasetSplits

DIGITS_CONFIG = Path(__file__).resolve().parent / "digits.yaml"
WORKERS_PER_DEVICE = 2
SEARCH_TIMEOUT_S = 240
BATCH_SIZES = (1, 64)


class CheckFailed(Exception):
    """A stage of the check went wrong; the message says which and why."""


@dataclass(frozen=True)
class SearchOutcome:
    trials: int
    failed: int
    seconds: float
    first_error: str | None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    report = _Report(args.out / "report.txt")
    report(f"gpu_check on {_describe(args.device)}; {machine()}; outputs in {args.out}")
    try:
        check_search(args, report)
        splits = digits_splits()
        check_mixed_precision(splits, args.device, args.max_epochs, report)
        check_latency(splits, args.device, report)
    except CheckFailed as exc:
        report(f"result: FAILED ({exc})")
        return 1
    except Exception as exc:
        report(f"result: FAILED ({type(exc).__name__}: {exc})")
        raise  # exit 1 with the traceback
    report("result: ok")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    import torch

    from evaluators import DeviceError, check_device

    parser = argparse.ArgumentParser(prog="python -m experiments.gpu_check", description=__doc__)
    default = "cuda:0" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--device", default=default, help=f"cpu or cuda:N (default {default})")
    parser.add_argument("--budget", type=int, default=24, help="evaluations of the search")
    parser.add_argument("--max-epochs", type=int, default=5, help="epochs per training")
    parser.add_argument("--out", type=Path, default=None, help="where runs and report go")
    args = parser.parse_args(argv)
    try:
        check_device(args.device, "--device")
    except DeviceError as exc:
        parser.error(str(exc))
    for flag, value in (("--budget", args.budget), ("--max-epochs", args.max_epochs)):
        if value < 1:
            parser.error(f"`{flag}` must be an integer >= 1; got {value}")
    if args.out is None:
        args.out = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    return args


class _Report:
    """Prints each line as it comes (a later failure keeps the earlier results) and keeps
    them in a file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        path.write_text("")

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        with self._path.open("a") as file:
            file.write(line + "\n")


def _describe(device: str) -> str:
    import torch

    if device == "cpu":
        return "cpu"
    return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"


def check_search(args: argparse.Namespace, report: Callable[[str], None]) -> None:
    """Run the search, sampling the GPU meanwhile; fail on a failed or missing trial."""
    run_dir = Path(tempfile.mkdtemp(prefix="search-", dir=args.out))
    config = run_dir.with_suffix(".yaml")
    config.write_text(yaml.safe_dump(search_config(args.device, args.budget, args.max_epochs)))
    sample = gpu_sampler(args.device)
    outcome, utilisation = run_search(config, run_dir, sample)
    rate = outcome.trials / outcome.seconds * 3600
    report(
        f"search: {outcome.trials} trials, {outcome.failed} failed, {outcome.seconds:.1f} s "
        f"(start-up included): {rate:.0f} trials/hour"
    )
    report(f"gpu utilisation: {_utilisation_text(utilisation, sample)}")
    if outcome.failed:
        raise CheckFailed(f"{outcome.failed} trials failed, e.g. {outcome.first_error}")
    if outcome.trials != args.budget:
        raise CheckFailed(f"the search finished {outcome.trials} of {args.budget} trials")


def search_config(device: str, budget: int, max_epochs: int) -> dict:
    """The digits example, shrunk to a short search on ``device`` alone."""
    config = yaml.safe_load(DIGITS_CONFIG.read_text())
    config["search"].update(evaluations=budget, population=max(2, min(8, budget)), seed=0)
    config["evaluator"].update(
        devices=[device],
        workers_per_device=WORKERS_PER_DEVICE,
        max_epochs=max_epochs,
        patience=2,
        trial_timeout_s=120,
    )
    config["latency"].update(device=device, warmup_calls=20, blocks=10)
    return config


def run_search(
    config: Path, run_dir: Path, sample: Callable[[], float | None] | None
) -> tuple[SearchOutcome, list[float]]:
    """``automl search`` as a user runs it; its outcome and the utilisation samples."""
    log = run_dir.with_suffix(".log")
    command = [sys.executable, "-m", "automl.cli", "search", str(config), "--out", str(run_dir)]
    start = time.perf_counter()
    with log.open("w") as output:
        search = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        samples = _watch(search, sample, start + SEARCH_TIMEOUT_S)
    seconds = time.perf_counter() - start
    if search.returncode != 0:
        tail = log.read_text()[-1500:]
        raise CheckFailed(f"automl search exited {search.returncode}; its log ends:\n{tail}")
    return _read_trials(run_dir / "trials.csv", seconds), samples


def _watch(
    process: subprocess.Popen, sample: Callable[[], float | None] | None, deadline: float
) -> list[float]:
    """Sample once a second until ``process`` ends; kill it past ``deadline``."""
    samples = []
    while process.poll() is None:
        if time.perf_counter() > deadline:
            process.kill()
            process.wait()
            raise CheckFailed(f"the search took longer than {SEARCH_TIMEOUT_S} s")
        value = sample() if sample is not None else None
        if value is not None:
            samples.append(value)
        try:
            process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
    return samples


def _read_trials(path: Path, seconds: float) -> SearchOutcome:
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    finished = [row for row in rows if row["status"] in ("COMPLETE", "PRUNED", "FAILED")]
    failed = [row for row in rows if row["status"] == "FAILED"]
    first_error = failed[0]["error"] if failed else None
    return SearchOutcome(len(finished), len(failed), seconds, first_error)


def gpu_sampler(device: str) -> Callable[[], float | None] | None:
    """A function reading ``device``'s utilisation in percent from ``nvidia-smi`` (None on a
    failed read); None on the CPU or without ``nvidia-smi``. The index is CUDA's, which
    matches ``nvidia-smi``'s unless CUDA_VISIBLE_DEVICES or CUDA_DEVICE_ORDER reorder them."""
    smi = shutil.which("nvidia-smi")
    if device == "cpu" or smi is None:
        return None
    query = [smi, "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"]
    query.append(f"--id={device.removeprefix('cuda:')}")

    def sample() -> float | None:
        result = subprocess.run(query, capture_output=True, text=True, timeout=10)
        text = result.stdout.strip()
        return float(text) if result.returncode == 0 and text.isdigit() else None

    return sample


def _utilisation_text(samples: list[float], sample: Callable[[], float | None] | None) -> str:
    if sample is None:
        return "n/a (no GPU or no nvidia-smi)"
    if not samples:
        return "n/a (nvidia-smi gave no reading, as under MIG)"
    mean = sum(samples) / len(samples)
    return f"mean {mean:.0f}%, max {max(samples):.0f}% over {len(samples)} samples"


def _check_genome():  # noqa: ANN202 - genomes.Genome, imported lazily
    """A fixed small MLP, wide enough for bf16's matrix units to matter."""
    from genomes import Genome, layer_gene, train_gene

    gene = train_gene(optimizer="adam", lr=1e-3, batch_size=128, weight_decay=1e-5, max_epochs=30)
    return Genome("mlp", (layer_gene("mlp", width=512, activation="relu"),) * 3, gene)


def check_mixed_precision(
    splits: DatasetSplits, device: str, max_epochs: int, report: Callable[[str], None]
) -> None:
    """Seconds per epoch of the same training with bf16 autocast off and on (on the CPU the
    flag is ignored, so both time the same thing); each after a one-epoch warm-up."""
    from evaluators import TrainSettings, train

    data = splits.training_data().to(device)
    genome = _check_genome()
    for mixed in (False, True):
        warm_up = TrainSettings(max_epochs=1, device=device, mixed_precision=mixed)
        train(genome, data, warm_up, seed=0)
        settings = TrainSettings(max_epochs, max_epochs, device=device, mixed_precision=mixed)
        start = time.perf_counter()
        outcome = train(genome, data, settings, seed=0)
        seconds = (time.perf_counter() - start) / outcome.epochs
        ignored = " (ignored on the CPU)" if mixed and device == "cpu" else ""
        report(
            f"epoch time, bf16 {'on' if mixed else 'off'}: {seconds * 1e3:.1f} ms{ignored} "
            f"(val accuracy {outcome.val_accuracy:.3f} after {outcome.epochs} epochs)"
        )
        if not 0.0 <= outcome.val_accuracy <= 1.0:
            raise CheckFailed(f"bf16 {mixed}: accuracy {outcome.val_accuracy} is not in [0, 1]")


def check_latency(splits: DatasetSplits, device: str, report: Callable[[str], None]) -> None:
    """The small network's latency on ``device`` at each batch size."""
    from evaluators import LatencySettings, build_model, measure_latency

    model = build_model(_check_genome(), splits.training_data())
    for batch_size in BATCH_SIZES:
        settings = LatencySettings(device=device, batch_size=batch_size)
        stats = measure_latency(model, splits.problem.input_shape, settings)
        report(
            f"latency, batch {batch_size}: {stats.latency_ms:.4f} ms (spread {stats.spread:.3f})"
        )
        if not stats.latency_ms > 0:
            raise CheckFailed(f"latency at batch {batch_size} is {stats.latency_ms} ms")


if __name__ == "__main__":
    sys.exit(main())
