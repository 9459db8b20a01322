"""Runtime benchmark (issue 15): does the runtime that latency is timed in change what the
search finds? The demo search (as `make demo` runs it) timed eager; every architecture it
trained re-timed side by side in eager PyTorch, as a `torch.export` program and in ONNX Runtime
(the same settings, one process, one after the other); the rank correlation of the runtimes'
latencies; the front re-ranked on ONNX Runtime latency against the eager front; and the same
search run with `latency.runtime: onnxruntime`.

Run: .venv/bin/python -m experiments.benchmarks.runtime_bench [--seed 0] [--evaluations 128]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from experiments.benchmarks.common import machine, write_fragment

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "digits.yaml"
RUNTIMES = ("eager", "exported", "onnxruntime")


def _search(workdir: Path, name: str, seed: int, evaluations: int, runtime: str) -> float:
    config = yaml.safe_load(DEMO_CONFIG.read_text())
    config["search"].update(seed=seed, evaluations=evaluations)
    config["latency"]["runtime"] = runtime
    (workdir / f"{name}.yaml").write_text(yaml.safe_dump(config))
    start = time.perf_counter()
    command = ["search", str(workdir / f"{name}.yaml"), "--out", str(workdir / name)]
    subprocess.run(
        [sys.executable, "-m", "automl.cli", *command], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def _retime(run_dir: Path) -> dict[str, dict[int, float]]:
    """Every trained architecture of the run timed in each runtime (ms per call), once per
    distinct architecture, with the run's latency settings."""
    import dataclasses

    import torch

    from automl.run.finished import open_run
    from evaluators import TRAINED, measure_latency
    from genomes import Genome, GraphModule, genome_to_graph

    torch.set_num_threads(1)
    run = open_run(run_dir)
    settings = run.config.evaluation_settings().latency
    latencies: dict[str, dict[int, float]] = {runtime: {} for runtime in RUNTIMES}
    seen: dict[str, int] = {}
    for record in run.records:
        if record.status not in TRAINED:
            continue
        genome = Genome.from_json(record.genome)
        key = genome.architecture_hash()
        if key in seen:
            continue
        seen[key] = record.trial_id
        model = GraphModule(genome_to_graph(genome, run.problem))
        for runtime in RUNTIMES:
            timed = dataclasses.replace(settings, runtime=runtime)
            stats = measure_latency(model, run.input_shape, timed)
            latencies[runtime][record.trial_id] = stats.latency_ms
    return latencies


def _front(points: dict[int, tuple[float, float]]) -> set[int]:
    """Ids not dominated on (validation error, latency)."""
    return {
        i
        for i, (e, t) in points.items()
        if not any(
            (e2 <= e and t2 <= t) and (e2 < e or t2 < t) for j, (e2, t2) in points.items() if j != i
        )
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluations", type=int, default=128)
    args = parser.parse_args()
    from scipy.stats import spearmanr

    from automl.run.finished import open_run

    with tempfile.TemporaryDirectory(prefix="runtime-bench-") as tmp:
        work = Path(tmp)
        eager_seconds = _search(work, "eager", args.seed, args.evaluations, "eager")
        ort_seconds = _search(work, "onnxruntime", args.seed, args.evaluations, "onnxruntime")
        latencies = _retime(work / "eager")
        run = open_run(work / "eager")
        ort_run = open_run(work / "onnxruntime")
    ids = sorted(latencies["eager"])
    error = {r.trial_id: 1 - r.val_accuracy for r in run.records if r.trial_id in ids}
    rho = {
        pair: spearmanr(
            [latencies[pair[0]][i] for i in ids], [latencies[pair[1]][i] for i in ids]
        ).statistic
        for pair in (("eager", "onnxruntime"), ("eager", "exported"), ("exported", "onnxruntime"))
    }
    fronts = {
        runtime: _front({i: (error[i], latencies[runtime][i]) for i in ids}) for runtime in RUNTIMES
    }
    both = fronts["eager"] & fronts["onnxruntime"]
    union = fronts["eager"] | fronts["onnxruntime"]
    ratio = sorted(latencies["onnxruntime"][i] / latencies["eager"][i] for i in ids)
    rows = [
        "| | eager | torch.export program | ONNX Runtime |",
        "|---|---|---|---|",
        "| median latency, ms per call | "
        + " | ".join(f"{_median(list(latencies[r].values())):.4f}" for r in RUNTIMES)
        + " |",
        "| front of the re-timed architectures (size) | "
        + " | ".join(str(len(fronts[r])) for r in RUNTIMES)
        + " |",
    ]
    write_fragment(
        "runtimes",
        f"""## Latency in the runtime that ships (issue 15)

`.venv/bin/python -m experiments.benchmarks.runtime_bench --seed {args.seed} --evaluations \
{args.evaluations}` on {machine()}.

The demo search (`experiments/digits.yaml`, seed {args.seed}, {args.evaluations} evaluations,
latency per call of 32 samples, one thread) timed eager took {eager_seconds:.0f} s. Its
{len(ids)} distinct trained architectures, re-timed one after the other in one process in each
runtime (`measure_latency` with the run's settings and `latency.runtime` set; weights do not
matter to latency):

{chr(10).join(rows)}

ONNX Runtime / eager latency per architecture: median {_median(ratio):.2f}, range
{ratio[0]:.2f}..{ratio[-1]:.2f}. Spearman rank correlation across the {len(ids)}
architectures: eager vs ONNX Runtime {rho[("eager", "onnxruntime")]:.3f}, eager vs the
`torch.export` program {rho[("eager", "exported")]:.3f}, program vs ONNX Runtime
{rho[("exported", "onnxruntime")]:.3f}.

How much the front changes (validation error against each runtime's latency, over the same
trained architectures): {len(fronts["eager"])} networks on the eager front,
{len(fronts["onnxruntime"])} on the ONNX Runtime front, {len(both)} on both (Jaccard
{len(both) / len(union):.2f}).

The same search with `latency.runtime: onnxruntime` (each architecture exported to ONNX once
per worker) took {ort_seconds:.0f} s ({ort_seconds / eager_seconds:.2f}x the eager search's
wall time) and ended with a front of {len(ort_run.front)} networks (eager: {len(run.front)}).
""",
    )


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


if __name__ == "__main__":
    main()
