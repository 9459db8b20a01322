"""Why the first trials of issue 8's search scored about 0.2 at 10 evaluations where Optuna's
random sampler reached about 0.55: the sampling distribution, the order in which trials
finish, or the scoring of pruned trials. Random search through our engine (same sampling as
our first population) with issue 8's pruning (MO-ASHA pruning from the third trial at a rung)
and with pruning off, beside Optuna's RandomSampler; the score of the first 10 trials counted
in the order they finished and in the order they were submitted. Every number below is
computed from the runs; none is typed in.

Run: .venv/bin/python -m experiments.benchmarks.search_diagnosis [--seeds 5] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import functools
import statistics
from pathlib import Path

from experiments.benchmarks.common import machine, write_fragment
from experiments.benchmarks.quality_runs import Run, cached, run_optuna, run_ours

EARLY = 10
ISSUE_8_PRUNING = {"pruning": {"rule": "asha", "min_pairs": 3, "min_correlation": -1.0}}
METHODS = {
    "ours random, issue 8's pruning": ("random", ISSUE_8_PRUNING),
    "ours random, pruning off": ("random", {"pruning": {"enabled": False}}),
    "optuna RandomSampler": None,
}


def _run(workdir: Path, name: str, seed: int, evaluations: int) -> Run:
    if METHODS[name] is None:
        return run_optuna(workdir, "digits", "random", seed, evaluations)
    strategy, overrides = METHODS[name]
    return run_ours(workdir, "digits", strategy, seed, evaluations, overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--evaluations", type=int, default=32)
    parser.add_argument("--workdir", type=Path, default=Path("runs/bench-search-quality"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = args.workdir.resolve()
    rows = [
        f"| method | HV of the first {EARLY} finished | HV of the first {EARLY} submitted | "
        f"pruned among the first {EARLY} finished | epochs of the first {EARLY} finished "
        f"(median) | HV after {args.evaluations} |",
        "|---|---|---|---|---|---|",
    ]
    summary = {}
    for name in METHODS:
        runs = []
        for seed in range(args.seeds):
            slug = "".join(c if c.isalnum() else "_" for c in name)
            key = f"diagnosis-{slug}-{seed}-{args.evaluations}"
            make = functools.partial(_run, workdir, name, seed, args.evaluations)
            runs.append(cached(workdir, key, make))
        finished = statistics.median(r.hypervolume_after(EARLY) for r in runs)
        submitted = statistics.median(r.hypervolume_of_first_submitted(EARLY) for r in runs)
        pruned = statistics.mean(sum(p[5] for p in r.points[:EARLY]) / EARLY for r in runs)
        epochs = statistics.median(p[4] for r in runs for p in r.points[:EARLY])
        final = statistics.median(r.final() for r in runs)
        summary[name] = (finished, submitted, pruned, epochs)
        rows.append(
            f"| {name} | {finished:.3f} | {submitted:.3f} | {pruned:.0%} | {epochs:.0f} | "
            f"{final:.3f} |"
        )
    write_fragment("search_diagnosis", _text(args, rows, summary))


def _text(args: argparse.Namespace, rows: list[str], summary: dict) -> str:
    pruned_early, pruned_submitted, share, epochs = summary["ours random, issue 8's pruning"]
    full_early = summary["ours random, pruning off"][0]
    optuna_early = summary["optuna RandomSampler"][0]
    ratio = full_early / optuna_early
    sampling = (
        "as good as Optuna's: the sampling distribution does not explain the slow start"
        if ratio >= 0.9
        else "worse than Optuna's: the sampling distribution explains part of the slow start"
    )
    order = (
        "the order of finishing explains it: counted as submitted, the same trials score "
        f"{pruned_submitted:.3f}"
        if pruned_submitted > 1.2 * pruned_early
        else f"counted as submitted they score {pruned_submitted:.3f}, about the same"
    )
    return f"""## Why issue 8's search started slowly (issue 13)

`.venv/bin/python -m experiments.benchmarks.search_diagnosis --seeds {args.seeds} \
--evaluations {args.evaluations}` on {machine()}. Digits reference problem, seeds
0..{args.seeds - 1}, medians over seeds; the hypervolume is the benchmark score (validation
front judged on test, error / 0.25, latency / reference MLP).

{chr(10).join(rows)}

- Sampling: with pruning off, our random samples score {full_early:.3f} after {EARLY}
  evaluations against Optuna's {optuna_early:.3f} ({ratio:.2f}x): {sampling}.
- Pruning: with issue 8's pruning, {share:.0%} of the first {EARLY} trials to finish were
  pruned (median {epochs:.0f} epoch(s) each) and they score {pruned_early:.3f}; {order}.
  The pruning rule is now `front`: a trial stops only when it cannot join the front, and no
  rung decides before six finished trials have gone past it.
"""


if __name__ == "__main__":
    main()
