"""What pruning costs (issue 14): the pruning regret, the share of pruned trials that, trained
to the end, would have joined the run's front. A guided search with pruning on runs on a
problem; up to 20 of its pruned trials are trained again to the end with the same seed and
no pruning (two worker processes); each counts as a regret if its full-training point
(validation accuracy, latency) would not be dominated by any other trained trial of the run.
Also per problem: how many trials were pruned, the epochs pruning saved on the retrained
trials, and each rung's correlation and gain. Problems: the digits reference problem and a
slow-learning table (``slow_table.yaml``), where accuracy still rises after 10 epochs.

Run: .venv/bin/python -m experiments.benchmarks.pruning_regret [--seeds 2] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

from experiments.benchmarks.common import machine, write_fragment
from experiments.benchmarks.quality_runs import problem_config

RETRAINED = 20


def search(workdir: Path, problem: str, seed: int) -> Path:
    config = yaml.safe_load(problem_config(problem, workdir).read_text())
    config["search"].update(strategy="guided", seed=seed)
    path = workdir / f"regret-{problem}-{seed}.yaml"
    path.write_text(yaml.safe_dump(config))
    run_dir = workdir / f"regret-{problem}-{seed}"
    if not (run_dir / "pareto.csv").exists():
        subprocess.run(
            [sys.executable, "-m", "automl.cli", "search", str(path), "--out", str(run_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return run_dir


def retrain(run_dir: Path, trial_ids: list[int]) -> dict[int, tuple[float, int]]:
    """Final validation accuracy and epochs of each trial trained to the end (no pruner),
    with the seed the search gave it."""
    from automl.data import load_dataset
    from automl.run.finished import open_run
    from evaluators import LocalPool, TrialRequest, trial_seed
    from genomes import Genome

    run = open_run(run_dir)
    splits = load_dataset(run.config.dataset)
    settings = run.config.evaluation_settings()
    by_id = {r.trial_id: r for r in run.records}
    out = {}
    with LocalPool(splits.training_data(), settings, ["cpu", "cpu"]) as pool:
        for trial_id in trial_ids:
            genome = Genome.from_json(by_id[trial_id].genome)
            pool.submit(
                TrialRequest(trial_id, genome, trial_seed(run.config.search.seed, trial_id))
            )
        for result in pool.results():
            out[result.trial_id] = (result.val_accuracy, result.epochs)
    return out


def analyse(run_dir: Path) -> dict:
    from automl.report.guidance import search_guidance
    from automl.run.finished import open_run
    from evaluators import TrialStatus
    from search import non_dominated

    run = open_run(run_dir)
    trained = [r for r in run.records if r.status.trained]
    pruned = [r for r in trained if r.status is TrialStatus.PRUNED][:RETRAINED]
    full = retrain(run_dir, [r.trial_id for r in pruned])
    regrets = 0
    for record in pruned:
        points = [
            [1.0 - (full[r.trial_id][0] if r is record else r.val_accuracy), r.latency_ms]
            for r in trained
        ]
        index = trained.index(record)
        regrets += index in set(non_dominated(np.array(points)).tolist())
    saved = 1 - sum(r.epochs for r in pruned) / max(1, sum(full[r.trial_id][1] for r in pruned))
    rungs = search_guidance(run.records, run.config).rungs
    return {
        "trials": len(run.records),
        "pruned": sum(r.status is TrialStatus.PRUNED for r in run.records),
        "retrained": len(pruned),
        "regrets": regrets,
        "saved": saved if pruned else 0.0,
        "epochs": sum(r.epochs for r in run.records),
        "rungs": [(h.epoch, h.pairs, h.correlation, h.gain, h.active) for h in rungs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--problems", default="digits,slow")
    parser.add_argument("--workdir", type=Path, default=Path("runs/bench-pruning-regret"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = args.workdir.resolve()
    rows = [
        "| problem | seed | trials pruned | retrained | would have joined the front "
        "(regret) | epochs saved on the retrained trials | rungs (epoch: finished trials "
        "past it, Spearman rung vs final, 90% gain, prunes) |",
        "|---|---|---|---|---|---|---|",
    ]
    totals: dict[str, list[dict]] = {}
    for problem in args.problems.split(","):
        for seed in range(args.seeds):
            cache = workdir / f"regret-{problem}-{seed}.json"
            if not cache.exists():
                cache.write_text(json.dumps(analyse(search(workdir, problem, seed))))
            result = json.loads(cache.read_text())
            totals.setdefault(problem, []).append(result)
            rows.append(_row(problem, seed, result))
            print(rows[-1], flush=True)
    lines = []
    for problem, results in totals.items():
        retrained = sum(r["retrained"] for r in results)
        regret = sum(r["regrets"] for r in results) / max(1, retrained)
        saved = statistics.median(r["saved"] for r in results)
        lines.append(
            f"- {problem}: pruning regret {regret:.0%} of {retrained} retrained trials "
            f"(target <= 10%: {'met' if regret <= 0.1 else 'MISSED'}); epochs saved on them "
            f"{saved:.0%} (median over seeds)."
        )
    write_fragment(
        "pruning_regret",
        f"""## Pruning regret (issue 14)

`.venv/bin/python -m experiments.benchmarks.pruning_regret --seeds {args.seeds}` on
{machine()}. A guided search (64 evaluations, 2 workers, the default pruning: rule `front`,
rungs at 1, 3, 9, 27 epochs, 6 finished trials before a rung decides, 90% gain quantile) per
problem and seed; up to {RETRAINED} of its pruned trials trained again to the end (same seed,
no pruner). A regret is a pruned trial whose full-training point would not be dominated by
any other trained trial of the run.

{chr(10).join(rows)}

{chr(10).join(lines)}
""",
    )


def _row(problem: str, seed: int, result: dict) -> str:
    rungs = "; ".join(
        f"{epoch}: {pairs}, {'-' if rho is None else f'{rho:.2f}'}, "
        f"{'-' if gain is None else f'{gain:.3f}'}, {'yes' if active else 'no'}"
        for epoch, pairs, rho, gain, active in result["rungs"]
    )
    return (
        f"| {problem} | {seed} | {result['pruned']} of {result['trials']} | "
        f"{result['retrained']} | {result['regrets']} | {result['saved']:.0%} | {rungs} |"
    )


if __name__ == "__main__":
    main()
