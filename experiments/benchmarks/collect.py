"""Assemble experiments/RESULTS.md from the fragments the benchmarks wrote; no number here
is typed by hand."""

from __future__ import annotations

import datetime

from experiments.benchmarks.common import RESULTS_DIR, machine

ORDER = [
    "search_quality",
    "search_diagnosis",
    "engine",
    "recorder",
    "evaluators",
    "pruning",
    "data",
]


def main() -> None:
    fragments = [RESULTS_DIR / f"{name}.md" for name in ORDER]
    parts = [
        "# Benchmark results",
        "",
        f"Assembled {datetime.date.today().isoformat()} by `make bench` on: {machine()}. "
        "Each section says the command that reproduces it; each fragment is rewritten by its "
        "benchmark in `experiments/results/`.",
        "",
    ]
    parts += [path.read_text() for path in fragments if path.exists()]
    (RESULTS_DIR.parent / "RESULTS.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main()
