"""How far the 1.05x target sits from what the score can show (issue 14). Per seed, the
trials of every method's run are pooled (each method's 64 evaluations together) and scored as
one run is: their validation front judged on test. Beside it, the front of the same trials
chosen on test itself, which no search can do. Reads the runs ``search_quality`` cached
(``runs/bench-search-quality/runs``); trains nothing.

Run: .venv/bin/python -m experiments.benchmarks.ceiling --problem table [--seeds 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from experiments.benchmarks.common import write_fragment
from experiments.benchmarks.quality_runs import read_run, score_points

TARGET = 1.05


def cached_runs(workdir: Path, problem: str, seeds: range, evaluations: int) -> dict:
    """{method slug: [points per seed]} for the methods cached for every seed."""
    found: dict[str, dict[int, list[tuple]]] = {}
    for path in (workdir / "runs").glob(f"{problem}-*-{evaluations}.json"):
        slug, seed = path.stem[len(problem) + 1 :].rsplit("-", 2)[:2]
        if seed.isdigit() and int(seed) in seeds:
            found.setdefault(slug, {})[int(seed)] = read_run(path).points
    return {
        slug: [runs[s] for s in seeds] for slug, runs in found.items() if len(runs) == len(seeds)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="table")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--evaluations", type=int, default=64)
    parser.add_argument("--workdir", type=Path, default=Path("runs/bench-search-quality"))
    args = parser.parse_args()
    seeds = range(args.seed_start, args.seed_start + args.seeds)
    runs = cached_runs(args.workdir, args.problem, seeds, args.evaluations)
    optuna = [slug for slug in runs if slug.startswith("optuna_")]
    if not optuna:
        sys.exit(
            f"no Optuna run of {args.problem} cached for seeds {seeds.start}..{seeds.stop - 1} "
            f"in {args.workdir / 'runs'}: run search_quality for them first"
        )
    medians = {slug: statistics.median(score_points(p) for p in runs[slug]) for slug in runs}
    anchor = max(optuna, key=medians.get)
    target = TARGET * medians[anchor]
    pooled = [[p for slug in runs for p in runs[slug][i]] for i in range(len(seeds))]
    on_validation = [score_points(p) for p in pooled]
    on_test = [score_points(p, chosen_on_test=True) for p in pooled]
    best_single = [max(score_points(runs[slug][i]) for slug in runs) for i in range(len(seeds))]
    rows = [
        f"| {seed} | {len(points)} | {v:.4f} | {b:.4f} | {t:.4f} |"
        for seed, points, v, b, t in zip(
            seeds, pooled, on_validation, best_single, on_test, strict=True
        )
    ]
    reached = sum(v >= target for v in on_validation)
    reached_on_test = sum(t >= target for t in on_test)
    below = sum(v < b for v, b in zip(on_validation, best_single, strict=True))
    above = sum(v > b for v, b in zip(on_validation, best_single, strict=True))
    write_fragment(
        f"ceiling_{args.problem}",
        f"""### How far 1.05x is: {args.problem}, every method's trials pooled (issue 14)

`.venv/bin/python -m experiments.benchmarks.ceiling --problem {args.problem} --seeds \
{args.seeds} --seed-start {args.seed_start}`, over the runs that \
`search_quality` cached for that problem ({len(runs)} methods: {", ".join(sorted(runs))}).
Per seed, all their trials pooled and scored as one run is (the validation front judged on
test); beside it the best single run of the seed, and the front of the pooled trials chosen
on test itself, which no search can choose. Target: {TARGET}x the best Optuna median
({anchor}, {medians[anchor]:.4f}), so {target:.4f}.

| seed | trials | pooled: validation front on test | best single run | pooled: chosen on test |
|---|---|---|---|---|
{chr(10).join(rows)}

- Pooled trials, median {statistics.median(on_validation):.4f} \
[{min(on_validation):.4f}, {max(on_validation):.4f}]: {reached} of {len(seeds)} seeds reach the
  target. Chosen on test, median {statistics.median(on_test):.4f}: {reached_on_test} of \
{len(seeds)} reach it.
- The pooled trials score below the seed's best single run in {below} of {len(seeds)} seeds and
  above it in {above}.
""",
    )


if __name__ == "__main__":
    main()
