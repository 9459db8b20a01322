"""Issue 16: what the device-minded search spaces buy, each against the space without them at
the same budget, every seed reported.

- ``blocks``: the digits reference data upsampled to 16 x 16 (so that the input resolution
  gene has something to trade), plain convolution blocks against conv, depthwise-separable and
  inverted-residual blocks, with latency timed in eager PyTorch and in ONNX Runtime.
- ``signals``: the generated waveforms of ``experiments/signals_data.py``, MLPs against 1-D
  convolution blocks.

    python -m experiments.benchmarks.space_bench --problem blocks|signals [--seeds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from experiments.benchmarks.common import machine, timed_search, write_fragment
from experiments.benchmarks.scoring import run_records, test_score

EXAMPLES = Path(__file__).resolve().parents[1]
EAGER, ORT = {}, {"runtime": "onnxruntime"}


@dataclass(frozen=True)
class Arm:
    space: dict
    latency: dict


@dataclass(frozen=True)
class SpaceProblem:
    example: str
    data: str
    arms: dict[str, Arm]
    accuracy_bar: float
    description: str


ALL_BLOCKS = {"blocks": ["conv", "dwsep", "mbconv"]}
PROBLEMS = {
    "blocks": SpaceProblem(
        "mobile.yaml",
        "digits16.npz",
        {
            "conv, eager": Arm({"blocks": ["conv"]}, EAGER),
            "conv, dwsep, mbconv, eager": Arm(ALL_BLOCKS, EAGER),
            "conv, ONNX Runtime": Arm({"blocks": ["conv"]}, ORT),
            "conv, dwsep, mbconv, ONNX Runtime": Arm(ALL_BLOCKS, ORT),
        },
        0.95,
        "The digits data upsampled to 16 x 16 (bilinear; an npz written by the benchmark, the "
        "demo's 60/20/20 split), the space of `experiments/mobile.yaml` (CNN family) plus input "
        "resolution 8 | 12 | 16 and width multiplier 0.5 | 0.75 | 1.0 in every arm; the arms "
        "differ in `space.blocks` and in the runtime latency is timed in (`latency.runtime`).",
    ),
    "signals": SpaceProblem(
        "signals.yaml",
        "signals.npz",
        {"mlp": Arm({"families": ["mlp"]}, EAGER), "cnn1d": Arm({"families": ["cnn1d"]}, EAGER)},
        0.9,
        "The generated waveforms of `experiments/signals_data.py` (1,200 samples, 4 classes, 3 "
        "channels x 128 steps, noise 0.6, seed 0), the space of `experiments/signals.yaml`; "
        "the arms differ in `space.families`.",
    ),
}
SCALING = {"resolution": [8, 12, 16], "width_multipliers": [0.5, 0.75, 1.0]}


def write_data(problem: str, path: Path) -> None:
    if problem == "signals":
        from experiments.signals_data import make_signals

        x, y = make_signals()
    else:
        x, y = _digits16()
    np.savez(path, x=x, y=y)


def _digits16() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits, bilinearly upsampled from 8 x 8 to 16 x 16, values in [0, 1]."""
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    x16 = torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
    return x16.numpy(), digits.target.astype(np.int64)


def arm_config(workdir: Path, problem: str, arm: str) -> Path:
    spec = PROBLEMS[problem]
    config = yaml.safe_load((EXAMPLES / spec.example).read_text())
    config["dataset"].update(name="npz", path=str(workdir / spec.data))
    config["space"].update(spec.arms[arm].space, **(SCALING if problem == "blocks" else {}))
    config["latency"].update(spec.arms[arm].latency)
    path = workdir / f"{_slug(arm)}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _slug(arm: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in arm)


def measure(run_dir: Path, accuracy_bar: float) -> dict:
    from automl.run.front import pareto_front
    from search import Constraints

    records, reference_ms = run_records(run_dir)
    front = pareto_front(records, ("accuracy", "latency"), Constraints())
    good = [r for r in front if r.test_accuracy >= accuracy_bar]
    fastest = min(good, key=lambda r: r.latency_ms) if good else None
    return {
        "hv": test_score(records, reference_ms),
        "front": len(front),
        "best": max(r.test_accuracy for r in front),
        "fastest": None if fastest is None else fastest.latency_ms,
        "kinds": _kinds(front),
    }


def _kinds(front) -> str:  # noqa: ANN001 - list[TrialRecord]
    """How the front's blocks are made: the count of each block type (or family)."""
    from collections import Counter

    from genomes import Genome

    counts: Counter[str] = Counter()
    for record in front:
        genome = Genome.from_json(record.genome)
        counts.update(layer.block or genome.family for layer in genome.layers)
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problem", choices=sorted(PROBLEMS), required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--evaluations", type=int, default=64)
    args = parser.parse_args()
    spec = PROBLEMS[args.problem]
    results: dict[str, list[dict]] = {arm: [] for arm in spec.arms}
    with tempfile.TemporaryDirectory(prefix="space-bench-") as tmp:
        workdir = Path(tmp)
        write_data(args.problem, workdir / spec.data)
        for seed in range(args.seeds):
            for arm in spec.arms:
                config = arm_config(workdir, args.problem, arm)
                run_dir, seconds = timed_search(
                    config, workdir, f"{_slug(arm)}-{seed}", seed, args.evaluations, True
                )
                outcome = measure(run_dir, spec.accuracy_bar)
                results[arm].append({**outcome, "seconds": seconds, "seed": seed})
                print(arm, seed, results[arm][-1], flush=True)
    report(results, args, spec)


def report(results: dict[str, list[dict]], args: argparse.Namespace, spec: SpaceProblem) -> None:
    bar = f"{spec.accuracy_bar:.0%}"
    rows = [
        f"| arm | seed | hypervolume | front size | best test acc | fastest at >= {bar} test "
        "acc (ms) | front's blocks | wall time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for arm, runs in results.items():
        for r in runs:
            fastest = "none" if r["fastest"] is None else f"{r['fastest']:.4f}"
            rows.append(
                f"| {arm} | {r['seed']} | {r['hv']:.4f} | {r['front']} | {r['best']:.4f} | "
                f"{fastest} | {r['kinds']} | {r['seconds']:.0f} |"
            )
    medians = ", ".join(
        f"{arm} {statistics.median(r['hv'] for r in runs):.4f}" for arm, runs in results.items()
    )
    title = {"blocks": "Mobile blocks against plain convolutions", "signals": "Signals"}
    write_fragment(
        f"space_{args.problem}",
        f"""## {title[args.problem]} (issue 16)

`.venv/bin/python -m experiments.benchmarks.space_bench --problem {args.problem} --seeds \
{args.seeds} --evaluations {args.evaluations}` on {machine()}. {spec.description}
{args.evaluations} evaluations, guided strategy, default pruning, one real `automl search` per
run. Score as in the search-quality section (validation front judged on test, error / 0.25,
latency / the eager reference MLP of the same run, reference point (1, 1)), so hypervolumes
compare within one runtime only; latency on the CPU at batch 32, one thread. Front's blocks:
how many blocks of each type (or, for MLPs, family) the front's networks hold.

{chr(10).join(rows)}

Median hypervolume: {medians}.
""",
    )


if __name__ == "__main__":
    main()
