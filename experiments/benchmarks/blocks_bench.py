"""Issue 16: do mobile blocks buy a better accuracy-latency front? The digits reference data
upsampled to 16 x 16 (so that the input resolution gene has something to trade), searched
with plain convolution blocks only and with conv, depthwise-separable and inverted-residual
blocks, at the same budget, every seed reported.

    python -m experiments.benchmarks.blocks_bench [--seeds 3] [--evaluations 64]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
import yaml

from experiments.benchmarks.common import machine, timed_search, write_fragment
from experiments.benchmarks.scoring import run_records, test_score

EXAMPLE = Path(__file__).resolve().parents[1] / "mobile.yaml"
ARMS = {
    "conv": {"blocks": ["conv"]},
    "conv, dwsep, mbconv": {"blocks": ["conv", "dwsep", "mbconv"]},
}
SCALING = {"resolution": [8, 12, 16], "width_multipliers": [0.5, 0.75, 1.0]}
"""Both arms search the input resolution and a width multiplier."""
ACCURACY_BAR = 0.95


def write_digits16(path: Path) -> None:
    """scikit-learn's digits, bilinearly upsampled from 8 x 8 to 16 x 16, values in [0, 1]."""
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    x16 = torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
    np.savez(path, x=x16.numpy(), y=digits.target.astype(np.int64))


def arm_config(workdir: Path, arm: str) -> Path:
    config = yaml.safe_load(EXAMPLE.read_text())
    config["dataset"] = {
        "name": "npz",
        "path": str(workdir / "digits16.npz"),
        "val_fraction": 0.25,
        "test_fraction": 0.2,
        "seed": 0,
    }
    config["space"].update(ARMS[arm], **SCALING)
    path = workdir / f"{arm.replace(', ', '_')}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def measure(run_dir: Path) -> dict:
    from automl.run.front import pareto_front
    from search import Constraints

    records, reference_ms = run_records(run_dir)
    front = pareto_front(records, ("accuracy", "latency"), Constraints())
    good = [r for r in front if r.test_accuracy >= ACCURACY_BAR]
    fastest = min(good, key=lambda r: r.latency_ms) if good else None
    return {
        "hv": test_score(records, reference_ms),
        "front": len(front),
        "fastest": None if fastest is None else fastest.latency_ms / reference_ms,
        "fastest_ms": None if fastest is None else fastest.latency_ms,
        "mobile_share": _mobile_share(front),
    }


def _mobile_share(front) -> float:  # noqa: ANN001 - list[TrialRecord]
    """Share of the front's CNN blocks that are dwsep or mbconv."""
    from genomes import Genome

    blocks = [
        layer.block for r in front for layer in Genome.from_json(r.genome).layers if layer.block
    ]
    return sum(b != "conv" for b in blocks) / len(blocks) if blocks else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--evaluations", type=int, default=64)
    args = parser.parse_args()
    results: dict[str, list[dict]] = {arm: [] for arm in ARMS}
    with tempfile.TemporaryDirectory(prefix="blocks-bench-") as tmp:
        workdir = Path(tmp)
        write_digits16(workdir / "digits16.npz")
        for seed in range(args.seeds):
            for arm in ARMS:
                name = f"{arm.replace(', ', '_')}-{seed}"
                run_dir, seconds = timed_search(
                    arm_config(workdir, arm), workdir, name, seed, args.evaluations, True
                )
                results[arm].append({**measure(run_dir), "seconds": seconds, "seed": seed})
                print(arm, seed, results[arm][-1], flush=True)
    report(results, args)


def report(results: dict[str, list[dict]], args: argparse.Namespace) -> None:
    rows = [
        "| blocks | seed | hypervolume | front size | fastest at >= 95% test acc "
        "(x reference MLP; ms) | dwsep/mbconv share of front blocks | wall time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for arm, runs in results.items():
        for r in runs:
            fastest = (
                "none" if r["fastest"] is None else f"{r['fastest']:.3f}; {r['fastest_ms']:.4f}"
            )
            rows.append(
                f"| {arm} | {r['seed']} | {r['hv']:.4f} | {r['front']} | {fastest} | "
                f"{r['mobile_share']:.0%} | {r['seconds']:.0f} |"
            )
    medians = {arm: statistics.median(r["hv"] for r in runs) for arm, runs in results.items()}
    summary = ", ".join(f"{arm}: {hv:.4f}" for arm, hv in medians.items())
    write_fragment(
        "blocks",
        f"""## Mobile blocks against plain convolutions (issue 16)

`.venv/bin/python -m experiments.benchmarks.blocks_bench --seeds {args.seeds} --evaluations \
{args.evaluations}` on {machine()}. The digits data upsampled to 16 x 16 (bilinear; an npz
written by the benchmark, the demo's 60/20/20 split), the space of `experiments/mobile.yaml`
(CNN family) plus input resolution 8 | 12 | 16 and width multiplier 0.5 | 0.75 | 1.0 in both
arms; the arms differ only in `space.blocks`. {args.evaluations} evaluations, guided strategy,
default pruning, one real `automl search` per run. Score as in the search-quality section
(validation front judged on test, error / 0.25, latency / the reference MLP of the same run,
reference point (1, 1)); latency eager PyTorch on the CPU, batch 32, one thread.

{chr(10).join(rows)}

Median hypervolume: {summary}.
""",
    )


if __name__ == "__main__":
    main()
