"""Search quality (issue 8): this project against Optuna's NSGAIISampler, TPESampler
(multivariate) and RandomSampler on the reference problem, same budget, seeds side by side.
Every method's runs are subprocesses timed from outside; scoring.py gives the hypervolume.

Run: .venv/bin/python -m experiments.benchmarks.search_quality [--seeds 3] [--evaluations 64]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.benchmarks.common import RESULTS_DIR, machine, timed_search, write_fragment
from experiments.benchmarks.scoring import front_hypervolume

REFERENCE = Path(__file__).with_name("reference_problem.yaml")
OURS = {"ours": True, "ours, pruning off": False}
OPTUNA = {
    "optuna NSGAIISampler": "nsga2",
    "optuna TPESampler": "tpe",
    "optuna RandomSampler": "random",
}


@dataclass
class Run:
    points: list[tuple[float, float, float]]
    """(validation accuracy, test accuracy, latency ms) per trial, in order of finishing."""
    reference_ms: float
    seconds: float
    epochs: int

    def hypervolume_after(self, k: int) -> float:
        """The score of the first ``k`` trials: their validation front, judged on test."""
        from search import non_dominated

        seen = self.points[:k]
        costs = np.array([[1.0 - val, ms] for val, _, ms in seen])
        front = [seen[i] for i in non_dominated(costs)]
        return front_hypervolume([(test, ms) for _, test, ms in front], self.reference_ms)


def run_ours(workdir: Path, seed: int, evaluations: int, pruning: bool) -> Run:
    name = f"ours-{seed}-{pruning}"
    run_dir, seconds = timed_search(REFERENCE, workdir, name, seed, evaluations, pruning)
    return Run(*_test_points(run_dir), seconds=seconds, epochs=_epochs(run_dir))


def _test_points(run_dir: Path) -> tuple[list[tuple[float, float, float]], float]:
    """Test accuracy of every trained trial, from the weights the run kept (the benchmark
    touches the test split here; the search never did)."""
    import torch

    from automl.data import load_dataset
    from automl.run.finished import open_run
    from evaluators import TRAINED, accuracy_of

    run = open_run(run_dir)
    splits = load_dataset(run.config.dataset)
    trained = sorted((r for r in run.records if r.status in TRAINED), key=lambda r: r.finished_at)
    with torch.inference_mode():
        points = [
            (
                r.val_accuracy,
                accuracy_of(run.load_model(r), splits.x_test, splits.y_test),
                r.latency_ms,
            )  # fmt: skip
            for r in trained
        ]
    return points, run.reference_ms


def _epochs(run_dir: Path) -> int:
    from automl.run.finished import open_run

    return sum(r.epochs for r in open_run(run_dir).records)


def run_optuna(workdir: Path, seed: int, evaluations: int, sampler: str) -> Run:
    out = workdir / f"optuna-{sampler}-{seed}.json"
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.benchmarks.optuna_baseline",
            sampler,
            str(seed),
            str(evaluations),
            str(out),
        ],  # fmt: skip
        check=True,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    data = json.loads(out.read_text())
    points = [(t["val_accuracy"], t["test_accuracy"], t["latency_ms"]) for t in data["trials"]]
    epochs = sum(t["epochs"] for t in data["trials"])
    return Run(points, data["reference_ms"], seconds, epochs)


def evaluations_to_reach(run: Run, target: float) -> int | None:
    for k in range(1, len(run.points) + 1):
        if run.hypervolume_after(k) >= target:
            return k
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--evaluations", type=int, default=64)
    args = parser.parse_args()
    runs: dict[str, list[Run]] = {name: [] for name in [*OURS, *OPTUNA]}
    with tempfile.TemporaryDirectory(prefix="search-quality-") as tmp:
        for seed in range(args.seeds):
            for name, pruning in OURS.items():
                runs[name].append(run_ours(Path(tmp), seed, args.evaluations, pruning))
                print(f"{name} seed {seed}: {runs[name][-1].seconds:.0f} s", flush=True)
            for name, sampler in OPTUNA.items():
                runs[name].append(run_optuna(Path(tmp), seed, args.evaluations, sampler))
                print(f"{name} seed {seed}: {runs[name][-1].seconds:.0f} s", flush=True)
    report(runs, args)


def report(runs: dict[str, list[Run]], args: argparse.Namespace) -> None:
    final = {name: [r.hypervolume_after(len(r.points)) for r in rs] for name, rs in runs.items()}
    anchor = max(OPTUNA, key=lambda name: statistics.median(final[name]))
    target = statistics.median(final[anchor])
    rows = [
        "| method | hypervolume, median [min, max] | evaluations to the anchor's final HV "
        "(median; runs that reach it) | wall time (s, median) | epochs trained (median) |",
        "|---|---|---|---|---|",
    ]
    reach: dict[str, list[int | None]] = {}
    for name, rs in runs.items():
        reach[name] = [evaluations_to_reach(r, target) for r in rs]
        reached = [k for k in reach[name] if k is not None]
        rows.append(
            f"| {name} | {statistics.median(final[name]):.4f} [{min(final[name]):.4f}, "
            f"{max(final[name]):.4f}] | "
            f"{statistics.median(reached) if reached else 'never'} ({len(reached)}/{len(rs)}) | "
            f"{statistics.median(r.seconds for r in rs):.0f} | "
            f"{statistics.median(r.epochs for r in rs):.0f} |"
        )
    ours_hv = statistics.median(final["ours"])
    reached = [k for k in reach["ours"] if k is not None]
    reach_median = statistics.median(reached) if len(reached) * 2 > len(reach["ours"]) else None
    wall_ratio = statistics.median(r.seconds for r in runs["ours"]) / statistics.median(
        r.seconds for r in runs[anchor]
    )
    reach_text = reach_median if reach_median is not None else "more than the budget of"
    checks = [
        (
            f"hypervolume {ours_hv / target:.3f}x the best anchor ({anchor})",
            ours_hv >= 1.05 * target,
            ">= 1.05x",
        ),
        (
            f"anchor's final hypervolume reached after {reach_text} evaluations",
            reach_median is not None and reach_median <= 32,
            "<= 32",
        ),
        (f"wall time {wall_ratio:.2f}x the anchor's", wall_ratio <= 0.5, "<= 0.5x"),
    ]
    verdicts = "\n".join(
        f"- {text} (target {goal}): **{'met' if ok else 'MISSED'}**" for text, ok, goal in checks
    )
    plot_path = plot_progress(runs)
    write_fragment(
        "search_quality",
        f"""## Search quality against Optuna and random search (issue 8)

`.venv/bin/python -m experiments.benchmarks.search_quality --seeds {args.seeds} --evaluations \
{args.evaluations}` on {machine()}.

Reference problem (`experiments/benchmarks/reference_problem.yaml`): digits, stratified
60/20/20 split (seed 0); family mlp|cnn, depth 1..4, width 16..256 (CNN channels 8..64),
per-layer activation relu|gelu|silu|tanh and dropout 0..0.5, optimizer sgd|adam|adamw, lr
1e-4..1e-1 (log), weight decay 1e-6..1e-2 (log), batch size 16|32|64|128; at most 30 epochs,
patience 4 on validation accuracy; objectives validation error and CPU latency (batch 1,
1 thread). {args.evaluations} evaluations, seeds 0..{args.seeds - 1}. Ours: async NSGA-II,
2 worker processes, with and without pruning. Optuna {_optuna_version()}: the sampler
drives a plain PyTorch loop over the same space (per-layer genes as conditional parameters;
`TPESampler(multivariate=True, group=True)`), `study.optimize(n_jobs=2)`, the same network
builder and latency protocol. Score: hypervolume of the test-error x latency points of the
trials non-dominated on validation, error / 0.25 and latency / the 3 x 512 reference MLP's
latency measured in the same process, reference point (1, 1). Wall time: the whole command,
start-up included. Anchor: the Optuna method with the best median hypervolume ({anchor},
{target:.4f}).

{chr(10).join(rows)}

{verdicts}

![hypervolume against evaluations](results/{plot_path.name})
""",
    )


def plot_progress(runs: dict[str, list[Run]]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for name, rs in runs.items():
        n = min(len(r.points) for r in rs)
        curve = [statistics.median(r.hypervolume_after(k) for r in rs) for k in range(1, n + 1)]
        ax.plot(range(1, n + 1), curve, label=name, linewidth=2 if name == "ours" else 1.2)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume (median over seeds)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = RESULTS_DIR / "search_quality.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def _optuna_version() -> str:
    import optuna

    return optuna.__version__


if __name__ == "__main__":
    main()
