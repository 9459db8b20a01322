"""Search quality: our strategies against Optuna's samplers on the reference problems, the
same budget, every seed side by side. Runs are cached in ``--workdir`` (a benchmark can be
stopped and resumed); ``--seed-start 100`` runs the seeds on which constants are chosen, the
default 0 those that are reported.

Run: .venv/bin/python -m experiments.benchmarks.search_quality [--problems digits,table]
     [--methods ...] [--seeds 10] [--seed-start 0] [--evaluations 64] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import functools
import statistics
from pathlib import Path

from experiments.benchmarks.common import RESULTS_DIR, machine, write_fragment
from experiments.benchmarks.quality_runs import Run, cached, run_optuna, run_ours

OFF = {"pruning": {"enabled": False}}
OURS = {
    "ours guided": ("guided", {}),
    "ours guided (pruning off)": ("guided", OFF),
    "ours nsga2": ("nsga2", {}),
    "ours sobol": ("sobol", {}),
    "ours random": ("random", {}),
    "ours tpe": ("tpe", {}),
    "ours tpe (pruning off)": ("tpe", OFF),
}
TUNING = {
    "ours guided (gain quantile 0.8)": ("guided", {"pruning": {"gain_quantile": 0.8}}),
    "ours guided (asha pruning)": ("guided", {"pruning": {"rule": "asha"}}),
    "ours guided (nadir reference)": ("guided", {"guided": {"reference": "nadir"}}),
}
"""Variants compared on the tuning seeds (100..) to choose the defaults."""
OPTUNA = {
    "optuna TPESampler": "tpe",
    "optuna GPSampler": "gp",
    "optuna NSGAIISampler": "nsga2",
    "optuna RandomSampler": "random",
}
CANDIDATE = "ours guided"
"""The method the targets are checked for."""


def collect(args: argparse.Namespace, problem: str) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {name: [] for name in args.methods}
    for seed in range(args.seed_start, args.seed_start + args.seeds):
        for name in args.methods:
            slug = "".join(c if c.isalnum() else "_" for c in name)
            key = f"{problem}-{slug}-{seed}-{args.evaluations}"
            make = functools.partial(_run, args, problem, name, seed)
            runs[name].append(cached(args.workdir, key, make))
            print(f"{problem} {name} seed {seed}: {runs[name][-1].final():.4f}", flush=True)
    return runs


def _run(args: argparse.Namespace, problem: str, name: str, seed: int) -> Run:
    if name in OURS or name in TUNING:
        strategy, overrides = {**OURS, **TUNING}[name]
        return run_ours(args.workdir, problem, strategy, seed, args.evaluations, overrides)
    return run_optuna(args.workdir, problem, OPTUNA[name], seed, args.evaluations)


def evaluations_to_reach(run: Run, target: float) -> int | None:
    for k in range(1, len(run.points) + 1):
        if run.hypervolume_after(k) >= target:
            return k
    return None


def _median(values: list[float]) -> float:
    return statistics.median(values)


def report(runs: dict[str, list[Run]], args: argparse.Namespace, problem: str) -> None:
    from scipy.stats import mannwhitneyu

    final = {name: [r.final() for r in rs] for name, rs in runs.items()}
    optuna = [name for name in runs if name in OPTUNA]
    anchor = max(optuna, key=lambda name: _median(final[name]))
    target = _median(final[anchor])
    tpe_seconds = _median([r.seconds for r in runs["optuna TPESampler"]])
    at_time = {name: [r.hypervolume_at(tpe_seconds) for r in rs] for name, rs in runs.items()}
    rows = [
        "| method | hypervolume, median [min, max] | evaluations to the anchor's final HV "
        "(median; runs that reach it) | HV at Optuna TPE's wall time (median) | "
        "wall time (s, median) | epochs (median) |",
        "|---|---|---|---|---|---|",
    ]
    reach: dict[str, list[int | None]] = {}
    for name, rs in runs.items():
        reach[name] = [evaluations_to_reach(r, target) for r in rs]
        got = [k for k in reach[name] if k is not None]
        rows.append(
            f"| {name} | {_median(final[name]):.4f} [{min(final[name]):.4f}, "
            f"{max(final[name]):.4f}] | "
            f"{_median(got) if got else 'never'} ({len(got)}/{len(rs)}) | "
            f"{_median(at_time[name]):.4f} | {_median([r.seconds for r in rs]):.0f} | "
            f"{_median([r.epochs for r in rs]):.0f} |"
        )
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    per_seed = [
        "| method | " + " | ".join(f"seed {s}" for s in seeds) + " |",
        "|---|" + "---|" * len(seeds),
    ]
    per_seed += [
        f"| {name} | " + " | ".join(f"{v:.4f}" for v in final[name]) + " |" for name in runs
    ]
    checks = []
    if CANDIDATE in runs:
        ours = final[CANDIDATE]
        checks.append(
            (
                f"hypervolume {_median(ours) / target:.3f}x the best Optuna sampler ({anchor})",
                _median(ours) >= 1.05 * target,
                ">= 1.05x",
            )
        )
        for name in optuna:
            p = mannwhitneyu(ours, final[name], alternative="greater").pvalue
            checks.append(
                (f"better than {name}: one-sided Mann-Whitney U p = {p:.3f}", p < 0.10, "p < 0.10")
            )
        got = [k for k in reach[CANDIDATE] if k is not None]
        reach_median = _median(got) if len(got) * 2 > len(ours) else None
        checks.append(
            (
                f"{anchor}'s final hypervolume reached after "
                f"{reach_median if reach_median is not None else 'more than the budget of'} "
                "evaluations (median)",
                reach_median is not None and reach_median <= 32,
                "<= 32",
            )
        )
        best_at_time = max(_median(at_time[name]) for name in optuna)
        checks.append(
            (
                f"at Optuna TPE's wall time ({tpe_seconds:.0f} s): "
                f"{_median(at_time[CANDIDATE]) / best_at_time:.3f}x the best Optuna sampler",
                _median(at_time[CANDIDATE]) >= 1.05 * best_at_time,
                ">= 1.05x",
            )
        )
        for name, limit in ((CANDIDATE, 0.5), ("ours guided (pruning off)", 1.0)):
            if name in runs:
                ratio = _median([r.seconds for r in runs[name]]) / tpe_seconds
                checks.append(
                    (f"{name}: wall time {ratio:.2f}x Optuna TPE's", ratio <= limit, f"<= {limit}x")
                )
    if "ours tpe (pruning off)" in runs and "optuna TPESampler" in runs:
        ratio = _median(final["ours tpe (pruning off)"]) / _median(final["optuna TPESampler"])
        checks.append(
            (
                f"our tpe (pruning off) {ratio:.3f}x Optuna's own TPE: the engine loses no quality",
                ratio >= 0.97,
                ">= 0.97x",
            )
        )
    verdicts = "\n".join(
        f"- {text} (target {goal}): **{'met' if ok else 'MISSED'}**" for text, ok, goal in checks
    )
    plot = plot_progress(runs, problem)
    write_fragment(
        f"search_quality_{problem}",
        f"""### {problem}: {args.evaluations} evaluations, seeds {seeds[0]}..{seeds[-1]}

`.venv/bin/python -m experiments.benchmarks.search_quality --problems {problem} --seeds \
{args.seeds} --seed-start {args.seed_start} --evaluations {args.evaluations}` on {machine()}.
Anchor: the Optuna sampler with the best median hypervolume ({anchor}, {target:.4f}).

{chr(10).join(rows)}

Final hypervolume of every run:

{chr(10).join(per_seed)}

{verdicts}

![hypervolume against evaluations]({plot.relative_to(RESULTS_DIR.parent)})
""",
    )


def plot_progress(runs: dict[str, list[Run]], problem: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for name, rs in runs.items():
        n = min(len(r.points) for r in rs)
        curve = [_median([r.hypervolume_after(k) for r in rs]) for k in range(1, n + 1)]
        ax.plot(range(1, n + 1), curve, label=name, linewidth=2 if name == CANDIDATE else 1.1)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume (median over seeds)")
    ax.set_title(problem)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    path = RESULTS_DIR / f"search_quality_{problem}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="digits,table")
    parser.add_argument("--methods", default=",".join([*OURS, *OPTUNA]))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--evaluations", type=int, default=64)
    parser.add_argument("--workdir", type=Path, default=Path("runs/bench-search-quality"))
    parser.add_argument("--no-report", action="store_true", help="only run (fill the cache)")
    args = parser.parse_args()
    args.methods = args.methods.split(",")
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = args.workdir.resolve()
    for problem in args.problems.split(","):
        runs = collect(args, problem)
        if not args.no_report:
            report(runs, args, problem)


if __name__ == "__main__":
    main()
