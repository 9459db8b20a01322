"""How well the guided strategy's models predict, what asking costs, and what a warm start
buys (issue 14). Reads the guided runs that ``search_quality`` kept (their stores: the
predictions noted with every trial), and runs what it needs besides:

- latency model: Spearman of predicted and measured latency over each run's trials, and
  the same networks timed twice more here, nothing training beside them: how far the
  measurement agrees with itself over those trials, and the prediction with it;
- accuracy surrogate: fitted on complete trials or on all trained ones (pruned at their
  accuracy when stopped), replayed on each run in its order: how well it ranks the trials
  that came later, pruned ones at their accuracy when stopped (the choice the strategy
  makes, ``SURROGATE_ON``);
- time per ask at 256 past trials on the synthetic problem, while two processes keep both
  cores busy as training workers would;
- warm start: a second digits run warm-started from a first (kept) one, and the evaluations
  it needs to reach the first one's final hypervolume.

Run: .venv/bin/python -m experiments.benchmarks.guidance_bench [--workdir DIR] [--warm 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from experiments.benchmarks.common import machine, write_fragment
from experiments.benchmarks.quality_runs import cached, run_ours

ASK_TRIALS, ASK_FROM = 300, 256


def kept_runs(workdir: Path, problem: str) -> list[Path]:
    """The stores of the default guided runs (``quality_runs.run_ours`` names them
    PROBLEM-guided-SEED-__ when no search key is overridden)."""
    return sorted(p for p in workdir.glob(f"{problem}-guided-*-__") if (p / "trials.db").exists())


def prediction_correlations(run_dir: Path) -> dict[str, float]:
    """Spearman over a run's trained trials: predicted vs measured accuracy and latency; and,
    the same networks timed twice more in this process, one timing against the other (how
    far the measurement repeats itself over these trials: the most any prediction can agree
    with it) and the prediction against their mean."""
    from automl.run.finished import open_run

    run = open_run(run_dir)
    pairs = [(json.loads(r.notes), r) for r in run.records if r.status.trained]
    timed = [(n["predicted_latency_ms"], r) for n, r in pairs if "predicted_latency_ms" in n]
    accuracy = [
        (n["predicted_accuracy"], r.val_accuracy) for n, r in pairs if "predicted_accuracy" in n
    ]
    predicted = np.array([p for p, _ in timed])
    first, second = timed_again(run, [r for _, r in timed])

    def rho(a, b) -> float:  # noqa: ANN001
        return float(spearmanr(a, b).statistic)

    return {
        "accuracy": rho(*zip(*accuracy, strict=True)),
        "latency": rho(predicted, [r.latency_ms for _, r in timed]),
        "repeat": rho(first, second),
        "latency_again": rho(predicted, np.sqrt(first * second)),
    }


def timed_again(run, records: list) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """The records' networks timed with the run's protocol in this process, twice (each
    architecture once per pass, the second pass in reverse order)."""
    import torch

    from automl.data import load_dataset
    from evaluators import DriftTracker, build_model, calibrate, measure_latency
    from genomes import Genome

    torch.set_num_threads(1)
    splits = load_dataset(run.config.dataset)
    data, shape = splits.training_data(), splits.problem.input_shape
    settings = calibrate(run.config.evaluation_settings().latency, shape)
    drift, models = DriftTracker(), {}
    keys = []
    for record in records:
        genome = Genome.from_json(record.genome)
        keys.append(genome.architecture_hash())
        models.setdefault(keys[-1], build_model(genome, data))
    passes = []
    for order in (list(models), list(reversed(models))):
        ms = {k: measure_latency(models[k], shape, settings, drift).latency_ms for k in order}
        passes.append(np.array([ms[k] for k in keys]))
    return passes[0], passes[1]


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def surrogate_choice(run_dir: Path) -> dict[str, float]:
    """Mean Spearman, over cut points 16..48, of the forest's predictions for the trained
    trials after the cut, fitted on the trials before it: complete ones, or all trained."""
    from automl.run.finished import open_run
    from evaluators import TrialStatus
    from genomes import Genome, GenomeEncoding, count_flops, count_params, genome_to_graph
    from search.surrogate import ForestSurrogate

    run = open_run(run_dir)
    encoding = GenomeEncoding(run.config.search_space(), run.problem)
    records = sorted((r for r in run.records if r.status.trained), key=lambda r: r.finished_at)

    def features(record) -> np.ndarray:  # noqa: ANN001
        graph = genome_to_graph(Genome.from_json(record.genome), run.problem)
        size = [np.log(count_params(graph) + 1.0), np.log(count_flops(graph) + 1.0)]
        x = encoding.summarize(encoding.encode(Genome.from_json(record.genome)))[0]
        return np.concatenate([x, size])

    x = np.array([features(r) for r in records])
    error = np.array([1.0 - r.val_accuracy for r in records])
    complete = np.array([r.status is TrialStatus.COMPLETE for r in records])
    out = {}
    for mode in ("complete", "all"):
        rhos = []
        for cut in (16, 24, 32, 40, 48):
            fit = np.arange(cut) if mode == "all" else np.flatnonzero(complete[:cut])
            later = np.arange(cut, len(records))
            if len(fit) >= 5 and len(later) >= 5:
                forest = ForestSurrogate(0)
                forest.fit(x[fit], error[fit])
                rhos.append(spearmanr(forest.predict(x[later])[0], error[later]).statistic)
        out[mode] = float(np.mean(rhos)) if rhos else float("nan")
    return out


def _burn(stop) -> None:  # noqa: ANN001 - a multiprocessing Event
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def ask_seconds() -> list[float]:
    """Seconds per ask of the guided strategy for trials 256..299 of a synthetic search, with
    both cores kept busy by two other processes."""
    from search import (
        SYNTHETIC_PROBLEM,
        SYNTHETIC_SPACE,
        SearchEngine,
        SearchSettings,
        StrategyContext,
        make_strategy,
        synthetic_trial,
    )

    class Instant:
        capacity = 1

        def __init__(self) -> None:
            self._queue = []

        def submit(self, request) -> None:  # noqa: ANN001
            self._queue.append(request)

        def next_result(self, timeout=None):  # noqa: ANN001, ANN202
            return synthetic_trial(self._queue.pop(0))

    class Notes:
        def __init__(self) -> None:
            self.asks: dict[int, float] = {}

        def trial_started(self, trial_id, genome, notes) -> None:  # noqa: ANN001
            self.asks[trial_id] = notes["ask_seconds"]

        def trial_finished(self, result, genome) -> None:  # noqa: ANN001
            pass

    stop = mp.Event()
    burners = [mp.Process(target=_burn, args=(stop,)) for _ in range(2)]
    for burner in burners:
        burner.start()
    try:
        settings = SearchSettings(population=16, evaluations=ASK_TRIALS, seed=0, strategy="guided")
        strategy = make_strategy(StrategyContext(SYNTHETIC_SPACE, SYNTHETIC_PROBLEM, settings))
        notes = Notes()
        SearchEngine(strategy, settings, Instant(), notes).run()
    finally:
        stop.set()
        for burner in burners:
            burner.join()
    return [notes.asks[t] for t in range(ASK_FROM, ASK_TRIALS)]


def warm_start(workdir: Path, seed: int) -> tuple[str, float, int | None]:
    """A digits run warm-started from the kept guided run of ``seed``: the first run's final
    score, and the evaluations the second needs to reach it."""
    first = cached(workdir, f"digits-ours_guided-{seed}-64", lambda: None)
    store = workdir / f"digits-guided-{seed}-__"
    target = first.final()
    second = cached(
        workdir,
        f"warm-digits-{seed}",
        lambda: run_ours(
            workdir, "digits", "guided", 1000 + seed, 64, {"warm_start": [str(store)]}
        ),
    )
    reached = next((k for k in range(1, 65) if second.hypervolume_after(k) >= target), None)
    return store.name, target, reached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("runs/bench-search-quality"))
    parser.add_argument("--warm", type=int, default=3, help="warm-started runs")
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    lines = []
    for problem in ("digits", "table"):
        runs = kept_runs(workdir, problem)
        if not runs:
            continue
        rhos = [prediction_correlations(r) for r in runs]
        latency = [r["latency"] for r in rhos]
        met = "yes" if statistics.median(latency) >= 0.9 else "NO"
        lines.append(
            f"| {problem}: predicted vs measured latency, Spearman over each run's trials "
            f"({len(runs)} runs) | {_spread(latency)} | >= 0.9 | {met} |"
        )
        lines.append(
            f"| {problem}: the same networks timed twice more in this benchmark's process, "
            f"nothing training beside it: one timing against the other, Spearman over each "
            f"run's trials | "
            f"{_spread([r['repeat'] for r in rhos])} | | |"
        )
        lines.append(
            f"| {problem}: predicted latency vs those timings (their mean), Spearman | "
            f"{_spread([r['latency_again'] for r in rhos])} | | |"
        )
        lines.append(
            f"| {problem}: predicted vs measured validation accuracy, Spearman | "
            f"{_spread([r['accuracy'] for r in rhos])} | | |"
        )
        choice = [surrogate_choice(r) for r in runs]
        for mode in ("complete", "all"):
            values = [c[mode] for c in choice if np.isfinite(c[mode])]
            lines.append(
                f"| {problem}: surrogate fitted on {mode} trials ranks the later trained "
                f"ones, Spearman | mean {np.mean(values):.3f} | | |"
            )
    asks = ask_seconds()
    median_ms = statistics.median(asks) * 1000
    lines.append(
        f"| time per ask, trials {ASK_FROM}..{ASK_TRIALS - 1} of a synthetic guided search, both "
        f"cores busy | median {median_ms:.1f} ms, largest {max(asks) * 1000:.1f} ms | <= 50 ms "
        f"| {'yes' if median_ms <= 50 else 'NO'} |"
    )
    for seed in range(args.warm):
        name, target, reached = warm_start(workdir, seed)
        lines.append(
            f"| warm start from `{name}` (final HV {target:.4f}): evaluations to reach it "
            f"| {reached if reached is not None else 'not within 64'} | <= 16 (25%) | "
            f"{'yes' if reached is not None and reached <= 16 else 'NO'} |"
        )
    write_fragment(
        "guidance",
        f"""## The guided strategy's models, asking cost and warm start (issue 14)

`.venv/bin/python -m experiments.benchmarks.guidance_bench` on {machine()}, over the guided
runs kept by the search-quality benchmark (64 evaluations each).

| measure | result | target | met |
| --- | --- | --- | --- |
{chr(10).join(lines)}
""",
    )


if __name__ == "__main__":
    main()
