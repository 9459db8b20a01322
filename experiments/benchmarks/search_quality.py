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
    "ours guided (run reference)": ("guided", {"guided": {"reference": "run"}}),
    "ours guided (gp surrogate)": ("guided", {"guided": {"surrogate": "gp"}}),
    "ours guided (local 0.5)": ("guided", {"guided": {"local": 0.5}}),
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


METHODS_TEXT = """Ours: a real `automl search` subprocess per run (2 worker processes, the
strategy and pruning named; default pruning: rule `front`). Optuna {version}: each study runs
as Optuna documents parallel optimisation, two processes sharing one `JournalStorage` file,
each optimising half the trials (its sampler seeded per process); the sampler proposes the
same joint space (TPE, NSGA-II, Random: one parameter per gene and block, define-by-run, as our
`tpe` strategy does; GP: every gene of every block always suggested, an unconditional space as
a GP user would give it); a plain PyTorch loop trains the network with early stopping
(patience 4) and the project's latency protocol times it. Score: hypervolume of the trials
non-dominated on validation, judged on test: test error / 0.25 and latency / the 3 x 512
reference MLP timed in the same process, reference point (1, 1), fixed for every method and
run. Wall time: the whole command, start-up included. p-values: one-sided Mann-Whitney U of
ours against each sampler over the seeds."""


def report(runs: dict[str, list[Run]], args: argparse.Namespace, problem: str) -> None:
    final = {name: [r.final() for r in rs] for name, rs in runs.items()}
    optuna = [name for name in runs if name in OPTUNA]
    anchor = max(optuna, key=lambda name: _median(final[name]))
    target = _median(final[anchor])
    tpe_seconds = _median([r.seconds for r in runs["optuna TPESampler"]])
    at_time = {name: [r.hypervolume_at(tpe_seconds) for r in rs] for name, rs in runs.items()}
    reach = {name: [evaluations_to_reach(r, target) for r in rs] for name, rs in runs.items()}
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    verdicts = "\n".join(
        f"- {text} (target {goal}): **{'met' if ok else 'MISSED'}**"
        for text, ok, goal in _checks(runs, final, at_time, reach, anchor, tpe_seconds)
    )
    title = args.name or problem
    name = f"search_quality_{title}"
    plot = plot_progress(runs, problem, name)
    named = f" --name {args.name}" if args.name else ""
    write_fragment(
        name,
        f"""### {title}: {args.evaluations} evaluations, seeds {seeds[0]}..{seeds[-1]}

`.venv/bin/python -m experiments.benchmarks.search_quality --problems {problem}{named} --methods \
"{",".join(runs)}" --seeds {args.seeds} --seed-start {args.seed_start} --evaluations \
{args.evaluations}` on {machine()}. {METHODS_TEXT.format(version=_optuna_version())}
Anchor: the Optuna sampler with the best median hypervolume ({anchor}, {target:.4f}).

{chr(10).join(_summary_rows(runs, final, at_time, reach))}

Final hypervolume of every run:

{chr(10).join(_per_seed_rows(final, seeds))}

{verdicts}

![hypervolume against evaluations]({plot.relative_to(RESULTS_DIR.parent)})
""",
    )


def _summary_rows(runs, final, at_time, reach) -> list[str]:  # noqa: ANN001
    rows = [
        "| method | hypervolume, median [min, max] | evaluations to the anchor's final HV "
        "(median; runs that reach it) | HV at Optuna TPE's wall time (median) | "
        "wall time (s, median) | epochs (median) |",
        "|---|---|---|---|---|---|",
    ]
    for name, rs in runs.items():
        got = [k for k in reach[name] if k is not None]
        rows.append(
            f"| {name} | {_median(final[name]):.4f} [{min(final[name]):.4f}, "
            f"{max(final[name]):.4f}] | {_median(got) if got else 'never'} ({len(got)}/"
            f"{len(rs)}) | {_median(at_time[name]):.4f} | "
            f"{_median([r.seconds for r in rs]):.0f} | {_median([r.epochs for r in rs]):.0f} |"
        )
    return rows


def _per_seed_rows(final: dict[str, list[float]], seeds: list[int]) -> list[str]:
    rows = [
        "| method | " + " | ".join(f"seed {s}" for s in seeds) + " |",
        "|---|" + "---|" * len(seeds),
    ]
    return rows + [
        f"| {n} | " + " | ".join(f"{v:.4f}" for v in vs) + " |" for n, vs in final.items()
    ]


def _checks(runs, final, at_time, reach, anchor, tpe_seconds) -> list[tuple[str, bool, str]]:  # noqa: ANN001
    """The issue's targets for the candidate (its quality targets also for the candidate with
    pruning off), and the engine check of our tpe."""
    from scipy.stats import mannwhitneyu

    checks = []
    optuna = [name for name in runs if name in OPTUNA]
    for candidate in (CANDIDATE, "ours guided (pruning off)"):
        if candidate not in runs:
            continue
        ours, target = final[candidate], _median(final[anchor])
        ratio = _median(ours) / target
        checks.append((f"{candidate}: hypervolume {ratio:.3f}x the best Optuna sampler "
                       f"({anchor})", ratio >= 1.05, ">= 1.05x"))  # fmt: skip
        for name in optuna:
            p = mannwhitneyu(ours, final[name], alternative="greater").pvalue
            checks.append((f"{candidate} better than {name}: p = {p:.3f}", p < 0.10, "p < 0.10"))
    if CANDIDATE in runs:
        ours = final[CANDIDATE]
        got = [k for k in reach[CANDIDATE] if k is not None]
        reached = _median(got) if len(got) * 2 > len(ours) else None
        text = reached if reached is not None else "more than the budget of"
        checks.append((f"{anchor}'s final hypervolume reached after {text} evaluations (median)",
                       reached is not None and reached <= 32, "<= 32"))  # fmt: skip
        best = max(_median(at_time[name]) for name in optuna)
        checks.append((f"at Optuna TPE's wall time ({tpe_seconds:.0f} s): "
                       f"{_median(at_time[CANDIDATE]) / best:.3f}x the best Optuna sampler",
                       _median(at_time[CANDIDATE]) >= 1.05 * best, ">= 1.05x"))  # fmt: skip
    for name, limit in ((CANDIDATE, 0.5), ("ours guided (pruning off)", 1.0)):
        if name in runs:
            ratio = _median([r.seconds for r in runs[name]]) / tpe_seconds
            checks.append((f"{name}: wall time {ratio:.2f}x Optuna TPE's", ratio <= limit,
                           f"<= {limit}x"))  # fmt: skip
    if "ours tpe (pruning off)" in runs:
        ratio = _median(final["ours tpe (pruning off)"]) / _median(final["optuna TPESampler"])
        checks.append((f"our tpe (pruning off) {ratio:.3f}x Optuna's own TPE: the engine "
                       "loses no quality", ratio >= 0.97, ">= 0.97x"))  # fmt: skip
    return checks


def plot_progress(runs: dict[str, list[Run]], problem: str, name: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for method, rs in runs.items():
        n = min(len(r.points) for r in rs)
        curve = [_median([r.hypervolume_after(k) for r in rs]) for k in range(1, n + 1)]
        ax.plot(range(1, n + 1), curve, label=method, linewidth=2 if method == CANDIDATE else 1.1)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume (median over seeds)")
    ax.set_title(problem)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    path = RESULTS_DIR / f"{name}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def _optuna_version() -> str:
    import optuna

    return optuna.__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="digits,table")
    parser.add_argument("--methods", default=",".join([*OURS, *OPTUNA]))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--evaluations", type=int, default=64)
    parser.add_argument("--workdir", type=Path, default=Path("runs/bench-search-quality"))
    parser.add_argument("--no-report", action="store_true", help="only run (fill the cache)")
    parser.add_argument("--name", help="the result fragment's name (default: the problem)")
    args = parser.parse_args()
    args.methods = args.methods.split(",")
    unknown = [m for m in args.methods if m not in {**OURS, **TUNING, **OPTUNA}]
    if unknown:
        parser.error(
            f"unknown methods {unknown}; allowed: {', '.join({**OURS, **TUNING, **OPTUNA})}"
        )
    if not args.no_report and "optuna TPESampler" not in args.methods:
        parser.error("a report needs 'optuna TPESampler' among --methods (the anchor and the "
                     "wall-time yardstick); or pass --no-report")  # fmt: skip
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = args.workdir.resolve()
    for problem in args.problems.split(","):
        runs = collect(args, problem)
        if not args.no_report:
            report(runs, args, problem)


if __name__ == "__main__":
    main()
