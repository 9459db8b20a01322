"""The runs behind the search-quality benchmarks: one search (ours through the real CLI, or an
Optuna study through ``optuna_baseline``) on one problem with one seed, reduced to what the
scoring needs and cached as JSON, so a long benchmark can be resumed or extended.

Problems: ``digits`` (issue 8's reference problem, ``reference_problem.yaml``) and ``table``
(scikit-learn's bundled breast-cancer data written as a CSV, MLP family,
``reference_table.yaml``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml

from experiments.benchmarks.scoring import front_hypervolume

HERE = Path(__file__).resolve().parent
PROBLEMS = {
    "digits": HERE / "reference_problem.yaml",
    "table": HERE / "reference_table.yaml",
    "slow": HERE / "slow_table.yaml",
}


@dataclass
class Run:
    """One search: per trained trial in order of finishing (validation accuracy, test
    accuracy, latency over the reference MLP's, seconds since the command started, epochs,
    whether it was pruned, its order of submission); the command's wall time and the epochs
    it trained."""

    points: list[tuple[float, float, float, float, int, bool, int]]
    seconds: float
    epochs: int

    def hypervolume_after(self, k: int) -> float:
        """The score of the first ``k`` trials: their validation front, judged on test."""

        return score_points(self.points[:k])

    def hypervolume_of_first_submitted(self, k: int) -> float:
        """The score of the first ``k`` trials in the order they were submitted."""
        return score_points(sorted(self.points, key=lambda p: p[6])[:k])

    def hypervolume_at(self, seconds: float) -> float:
        """The score of the trials finished within ``seconds`` of the command's start."""
        return self.hypervolume_after(sum(p[3] <= seconds for p in self.points))

    def final(self) -> float:
        return self.hypervolume_after(len(self.points))


def score_points(points: list[tuple], chosen_on_test: bool = False) -> float:
    """Hypervolume of the trials non-dominated on validation (or, what no search can do, on
    test), judged on test."""
    from search import non_dominated

    if not points:
        return 0.0
    split = 1 if chosen_on_test else 0
    costs = np.array([[1.0 - p[split], p[2]] for p in points])
    front = [points[i] for i in non_dominated(costs)]
    return front_hypervolume([(p[1], p[2]) for p in front], 1.0)


def problem_config(problem: str, workdir: Path) -> Path:
    """The problem's config with its data in place (the table problem writes its CSV)."""
    config = yaml.safe_load(PROBLEMS[problem].read_text())
    writers = {"table": _write_breast_cancer, "slow": _write_slow_table}
    if problem in writers:
        csv = workdir / f"{problem}.csv"
        if not csv.exists():
            writers[problem](csv)
        config["dataset"]["path"] = str(csv)
    path = workdir / f"{problem}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _write_breast_cancer(path: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    _write_csv(path, data.data, data.target)


def _write_slow_table(path: Path) -> None:
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=2000, n_features=30, n_informative=15, n_redundant=5, n_classes=8,
        n_clusters_per_class=2, flip_y=0.15, class_sep=0.7, random_state=0,
    )  # fmt: skip
    _write_csv(path, x, y)


def _write_csv(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    rows = [",".join([f"f{i}" for i in range(x.shape[1])] + ["label"])]
    rows += [
        ",".join(f"{v:.6g}" for v in row) + f",{label}" for row, label in zip(x, y, strict=True)
    ]
    path.write_text("\n".join(rows) + "\n")


def read_run(path: Path) -> Run:
    """A run that ``cached`` wrote."""
    data = json.loads(path.read_text())
    return Run([tuple(p) for p in data["points"]], data["seconds"], data["epochs"])


def cached(workdir: Path, key: str, make) -> Run:  # noqa: ANN001 - () -> Run
    path = workdir / "runs" / f"{key}.json"
    if path.exists():
        return read_run(path)
    run = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(run)))
    return run


def run_ours(
    workdir: Path, problem: str, strategy: str, seed: int, evaluations: int, search: dict
) -> Run:
    """A real ``automl search`` subprocess, timed from outside, start-up included;
    ``search`` overrides keys of the config's ``search`` section."""
    config = yaml.safe_load(problem_config(problem, workdir).read_text())
    config["search"].update(strategy=strategy, seed=seed, evaluations=evaluations, **search)
    slug = "".join(c if c.isalnum() else "_" for c in str(sorted(search.items())))
    name = f"{problem}-{strategy}-{seed}-{slug}"
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    out = workdir / name
    start = time.time()
    subprocess.run(
        [sys.executable, "-m", "automl.cli", "search", str(path), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.time() - start
    points, epochs = _test_points(out, start)
    _remove_run(out)
    return Run(points, seconds, epochs)


def _test_points(
    run_dir: Path, start: float
) -> tuple[list[tuple[float, float, float, float]], int]:
    """Test accuracy of every trained trial from the weights the run kept (the benchmark
    touches the test split here; the search never did)."""
    import torch

    from automl.data import load_dataset
    from automl.run.finished import open_run
    from evaluators import TrialStatus, accuracy_of

    run = open_run(run_dir)
    splits = load_dataset(run.config.dataset)
    trained = sorted((r for r in run.records if r.status.trained), key=lambda r: r.finished_at)
    with torch.inference_mode():
        points = [
            (
                r.val_accuracy,
                accuracy_of(run.load_model(r), splits.x_test, splits.y_test),
                r.latency_ms / run.reference_ms,
                r.finished_at - start,
                r.epochs,
                r.status is TrialStatus.PRUNED,
                r.trial_id,
            )
            for r in trained
        ]
    return points, sum(r.epochs for r in run.records)


def _remove_run(run_dir: Path) -> None:
    """Keep the run's store and config (for the analyses that read trials: latency model,
    surrogate, pruning), drop its weights."""
    import shutil

    shutil.rmtree(run_dir / "weights", ignore_errors=True)
    for path in run_dir.iterdir():
        if path.name not in ("trials.db", "config.yaml"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def run_optuna(workdir: Path, problem: str, sampler: str, seed: int, evaluations: int) -> Run:
    """An Optuna study in two processes on a shared journal, timed from outside."""
    out = workdir / f"optuna-{problem}-{sampler}-{seed}.json"
    config = problem_config(problem, workdir)
    start = time.time()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.benchmarks.optuna_baseline",
            sampler,
            str(seed),
            str(evaluations),
            str(out),
            str(config),
        ],  # fmt: skip
        check=True,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.time() - start
    trials = json.loads(out.read_text())["trials"]
    out.unlink()
    points = [
        (t["val_accuracy"], t["test_accuracy"], t["latency"], t["finished"] - start, t["epochs"],
         False, t["number"])
        for t in trials
    ]  # fmt: skip
    return Run(points, seconds, sum(t["epochs"] for t in trials))
