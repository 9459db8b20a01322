"""Deployment benchmark (issue 15): the demo search (as `make demo` runs it), then
`automl retrain --front --seeds N`; per front member the search-time test accuracy beside the
retrained one (mean and standard deviation over the seeds) and what retraining cost; then each
member exported with `--quantize int8`: fp32 and int8 test accuracy, latency and file size in
ONNX Runtime beside the search's eager latency.

Run: .venv/bin/python -m experiments.benchmarks.retrain_bench [--seed 0] [--seeds 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments.benchmarks.common import machine, timed_search, write_fragment

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "digits.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="the search's seed")
    parser.add_argument("--seeds", type=int, default=3, help="retraining seeds per network")
    parser.add_argument("--evaluations", type=int, default=128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="retrain-bench-") as tmp:
        run_dir, search_seconds = timed_search(
            DEMO_CONFIG, Path(tmp), "demo", args.seed, args.evaluations, pruning=True
        )
        start = time.perf_counter()
        command = ["retrain", str(run_dir), "--front", "--seeds", str(args.seeds)]
        subprocess.run(
            [sys.executable, "-m", "automl.cli", *command], check=True, stdout=subprocess.DEVNULL
        )
        retrain_seconds = time.perf_counter() - start
        rows, gains = _rows(run_dir)
        int8_rows = _int8_rows(run_dir, Path(tmp))
    lines = [
        "| trial | status in the search | epochs trained (search) | test acc (search weights) "
        "| epochs (retrain) | test acc retrained, mean ± sd | seed 0 (shipped) | change |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    better = sum(gain > 0 for gain in gains)
    write_fragment(
        "retrain",
        f"""## Final training and int8 export of the demo front (issue 15)

`.venv/bin/python -m experiments.benchmarks.retrain_bench --seed {args.seed} --seeds \
{args.seeds} --evaluations {args.evaluations}` on {machine()}.

The demo search (`experiments/digits.yaml`, seed {args.seed}, {args.evaluations} evaluations,
pruning on as `make demo` runs it) took {search_seconds:.0f} s; `automl retrain RUN --front
--seeds {args.seeds}` then trained every front member again from scratch on the training and
validation splits ({args.seeds} seeds each, the default epoch count: the search's best epoch,
or a pruned network's full budget) in {retrain_seconds:.0f} s, on the same 2 workers. Test
split: 360 images (one image is 0.28 points).

{chr(10).join(lines)}

Retrained mean above the search-time test accuracy for {better} of {len(gains)} front members
(median change {100 * _median(gains):+.2f} points).

Each member then exported (`automl export RUN --trial ID --quantize int8`, the retrained
weights of seed 0): ONNX Runtime on the CPU, one intra-op thread, per call of the search's
latency batch; the two ONNX files timed back to back in one process (median of 15 blocks),
the eager latency as the search measured it (drift-corrected, beside training). Accuracy on
the test split.

{chr(10).join(int8_rows)}
""",
    )


def _rows(run_dir: Path) -> tuple[list[str], list[float]]:
    from automl.run.finished import open_run
    from automl.run.retrain import summarize

    run = open_run(run_dir)
    summaries = {s.trial_id: s for s in summarize(run.retrained, [r.trial_id for r in run.front])}
    rows, gains = [], []
    for record in sorted(run.front, key=lambda r: r.latency_ms):
        summary = summaries[record.trial_id]
        gain = summary.mean - record.test_accuracy
        gains.append(gain)
        rows.append(
            f"| {record.trial_id} | {record.status.value} | {record.epochs} | "
            f"{record.test_accuracy:.4f} | {summary.epochs} | {summary.mean:.4f} ± "
            f"{summary.sd:.4f} | {summary.first_seed:.4f} | {gain:+.4f} |"
        )
    return rows, gains


def _int8_rows(run_dir: Path, workdir: Path) -> list[str]:
    import json

    from automl.api import open_run

    run = open_run(run_dir)
    rows = [
        "| trial | eager ms (search) | ORT fp32 ms | ORT int8 ms | int8 / fp32 latency "
        "| test acc fp32 | test acc int8 | fp32 bytes | int8 bytes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for record in sorted(run.front, key=lambda r: r.latency_ms):
        out = workdir / f"export-{record.trial_id}"
        run.export(out, trial_id=record.trial_id, quantize="int8")
        int8 = json.loads((out / "metrics.json").read_text())["int8"]
        if "error" in int8:
            rows.append(f"| {record.trial_id} | {int8['error']} |||||||| ")
            continue
        fp32, q = int8["fp32"], int8["int8"]
        rows.append(
            f"| {record.trial_id} | {record.latency_ms:.4f} | {fp32['latency_ms']:.4f} | "
            f"{q['latency_ms']:.4f} | {int8['latency_ratio']:.2f} | "
            f"{fp32['test_accuracy']:.4f} | {q['test_accuracy']:.4f} | "
            f"{fp32['file_bytes']:,} | {q['file_bytes']:,} |"
        )
    return rows


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


if __name__ == "__main__":
    main()
