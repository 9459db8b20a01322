"""Data benchmark (issue 6): a CIFAR-10 sized set (50,000 + 10,000 images of 3 x 32 x 32)
written in the official batch layout, read through the project's reader, and handed to a
pool of workers: load time, memory in the search process, and what each worker adds.

Run: .venv/bin/python -m experiments.benchmarks.data_bench
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from experiments.benchmarks.common import digits_splits, machine, write_fragment
from experiments.benchmarks.evaluators_bench import pool_overhead
from experiments.cifar_files import CIFAR_CLASSES, write_cifar_batch

MB = 1024 * 1024


def write_cifar_sized(root: Path) -> None:
    """Random pixels, official layout: five training batches of 10,000 and a test batch."""
    import pickle

    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, size=(10_000, 3, 32, 32), dtype=np.uint8)
        write_cifar_batch(folder / name, x, rng.integers(0, 10, size=10_000))
    meta = {"label_names": CIFAR_CLASSES, "num_cases_per_batch": 10_000, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))


def memory(pid: int | str = "self") -> dict[str, float]:
    """Resident, proportional (shared pages split among their users) and private MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":")
        fields[key] = int(value.split()[0]) / 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "private": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def touch_data_trial(request, data, settings, state, worker):  # noqa: ANN001, ANN201
    """Read every training pixel, as training does, then answer like a no-op trial."""
    from evaluators import noop_trial

    int(data.x_train.sum())
    return noop_trial(request, data, settings, state, worker)


def workers_memory(data, slots: int = 2) -> list[dict[str, float]]:
    """Memory of each worker of a local pool holding ``data``, once every worker has read
    all of it."""
    from evaluators import EvaluationSettings, LocalPool, TrialRequest, worker_processes
    from genomes import SearchSpace, sample_genome

    genome = sample_genome(SearchSpace(), data.problem, np.random.default_rng(0))
    with LocalPool(data, EvaluationSettings(), ["cpu"] * slots, evaluate=touch_data_trial) as pool:
        for i in range(slots):
            pool.submit(TrialRequest(i, genome, 0))
        list(pool.results())
        return [memory(pid) for pid in worker_processes(os.getpid())]


def main() -> None:
    from automl.config import DatasetConfig
    from automl.data import load_dataset

    with tempfile.TemporaryDirectory(prefix="data-bench-") as tmp:
        write_cifar_sized(Path(tmp))
        before = memory()["rss"]
        start = time.perf_counter()
        splits = load_dataset(DatasetConfig(name="cifar10", root=tmp, val_fraction=0.1))
        load_seconds = time.perf_counter() - start
    cifar = splits.training_data()
    after = memory()["rss"]
    tensors = sum(
        t.numel() * t.element_size()
        for t in (splits.x_train, splits.x_val, splits.x_test, splits.y_train, splits.y_val)
    )
    digits = digits_splits().training_data()
    small, large = workers_memory(digits), workers_memory(cifar)
    overheads: dict[str, list[float]] = {"digits": [], "cifar": []}
    for _ in range(3):  # alternating, so that drift hits both alike
        overheads["digits"].append(pool_overhead(digits, "local", trials=2000))
        overheads["cifar"].append(pool_overhead(cifar, "local", trials=2000))
    overhead_small, overhead_large = (statistics.median(v) for v in overheads.values())
    pixels = sum(t.numel() for t in (splits.x_train, splits.x_val, splits.x_test))

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return sum(row[key] for row in rows) / len(rows)

    rows = [
        "| | digits (1,077 train images, 1 x 8 x 8) | CIFAR-10 sized (45,000, 3 x 32 x 32) |",
        "|---|---|---|",
        f"| worker resident memory (MB, mean of {len(large)}) | {mean(small, 'rss'):.0f} | "
        f"{mean(large, 'rss'):.0f} |",
        f"| worker proportional memory, PSS (MB) | {mean(small, 'pss'):.0f} | "
        f"{mean(large, 'pss'):.0f} |",
        f"| worker private memory (MB) | {mean(small, 'private'):.0f} | "
        f"{mean(large, 'private'):.0f} |",
        f"| slot time per no-op trial (ms, median of 3 x 2,000) | {overhead_small:.2f} | "
        f"{overhead_large:.2f} |",
    ]
    write_fragment(
        "data",
        f"""## Data: a CIFAR-10 sized set in memory (issue 6)

`.venv/bin/python -m experiments.benchmarks.data_bench` on {machine()}.

50,000 + 10,000 random images written as the official CIFAR-10 python batches, read by the
`cifar10` reader in {load_seconds:.1f} s. The splits hold **{tensors / MB:.0f} MB** of tensors
(uint8 pixels, int64 labels; float32 pixels alone would take {4 * pixels / MB:.0f} MB); the
search process grew by {after - before:.0f} MB while reading and splitting them (freed
copies included).
Two local workers then receive the data once, when they start, through shared memory:

{chr(10).join(rows)}

Each worker here has read every training pixel. Its private memory shows what it copied; the
shared pages of the data count in its resident size and, split among the processes that map
them, in its PSS. Per trial, nothing is sent but the genome and the result.
""",
    )


if __name__ == "__main__":
    main()
