"""Runs that trade accuracy against something other than latency: the front's order, the knee,
the report's Pareto figure and the status table follow the run's second objective, while
``--pick latency`` and ``--max-latency-ms`` keep meaning latency. The real run here trades
accuracy against the size of the exported weights, under a size limit."""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from matplotlib.figure import Figure
from rich.console import Console

import automl
from automl.export.picking import knee, pick_member
from automl.report.builder import write_report
from automl.run.finished import FinishedRun, open_run
from automl.run.front import AXIS_LABELS, objective_value, pareto_front, trade_off
from automl.run.outputs import plot_pareto
from evaluators import TRAINED
from search import Constraints
from tests.automl.records import trial_record
from tests.cli import automl as automl_command
from tests.conftest import FINISHED_RUN_CONFIG

# On a front in (error, parameters) the middle member is the knee; its latency is near the
# slowest's, so on (error, latency) the fastest is. Parameters and latency disagree in order.
KNEE_FRONT = [
    trial_record(0, 0.80, latency_ms=1.0, params=100),
    trial_record(1, 0.95, latency_ms=90.0, params=1_000),
    trial_record(2, 0.96, latency_ms=100.0, params=100_000),
]
# More accurate is faster (and smaller in bytes) here: on latency or size trial 5 dominates;
# on parameters or FLOPs the three form a front whose latency order is the reverse of theirs.
CROSSED = [
    trial_record(3, 0.70, latency_ms=3.0, params=100, flops=7_000, weight_bytes=3_000),
    trial_record(4, 0.80, latency_ms=2.0, params=200, flops=8_000, weight_bytes=2_000),
    trial_record(5, 0.90, latency_ms=1.0, params=300, flops=9_000, weight_bytes=1_000),
]


SIZE_LIMIT_KB = 6.0
"""Half or so of the tiny search's networks are larger (one Linear 64 x 24 is 6.3 kB)."""


@pytest.fixture(scope="module")
def size_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real search with objectives [accuracy, size] and a size limit; random search,
    which trains networks beyond the limit (guided keeps to it where it can), so that the
    front has some to leave out."""
    config = copy.deepcopy(FINISHED_RUN_CONFIG)
    config["search"]["strategy"] = "random"
    config["objectives"] = ["accuracy", "size"]
    config["constraints"] = {"max_size_kb": SIZE_LIMIT_KB}
    config["search"]["evaluations"] = 6
    config["space"]["max_epochs"] = config["evaluator"]["max_epochs"] = 2
    out = tmp_path_factory.mktemp("params") / "run"
    return automl.search(config, out=out, console=Console(quiet=True)).path


@pytest.fixture
def saved_axes(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, list[float]]]:
    """Every figure saved while the test runs: file name -> (x label, x of its first points)."""
    saved: dict[str, tuple[str, list[float]]] = {}
    original = Figure.savefig

    def recording(self: Figure, target: Path, *args: object, **kwargs: object) -> None:
        ax = self.axes[0]
        points = ax.collections[0].get_offsets()[:, 0] if ax.collections else []
        saved[Path(target).name] = (ax.get_xlabel(), [float(x) for x in points])
        original(self, target, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return saved


def _pareto_axis(saved: dict[str, tuple[str, list[float]]]) -> tuple[str, list[float]]:
    (name,) = [name for name in saved if "pareto" in name]
    return saved[name]


@pytest.mark.parametrize(
    "objectives, expected",
    [
        (("accuracy", "latency"), "latency"),
        (("accuracy", "params"), "params"),
        (("latency", "accuracy"), "latency"),
        (("accuracy", "flops", "latency"), "flops"),
    ],
)
def test_the_trade_off_is_the_first_objective_other_than_accuracy(
    objectives: tuple[str, ...], expected: str
) -> None:
    assert trade_off(objectives) == expected


@pytest.mark.parametrize(
    "objectives, order",
    [
        (("accuracy", "latency"), [5]),
        (("accuracy", "params"), [3, 4, 5]),
        (("accuracy", "flops"), [3, 4, 5]),
        (("accuracy", "size"), [5]),
    ],
)
def test_the_front_is_ordered_by_the_trade_off(objectives: tuple[str, ...], order: list[int]):
    front = pareto_front(CROSSED, objectives, Constraints())
    assert [r.trial_id for r in front] == order, f"{objectives}: front order {front}"


def test_the_knee_is_taken_on_the_trade_off() -> None:
    assert knee(KNEE_FRONT, "params").trial_id == 1, "the knee on parameters is the middle one"
    assert knee(KNEE_FRONT, "latency").trial_id == 0, "on latency the middle one is no knee"


@pytest.mark.parametrize(
    "objectives", [("accuracy", "latency"), ("accuracy", "params"), ("accuracy", "size")]
)
def test_pareto_png_puts_the_trade_off_on_x(
    tmp_path: Path, saved_axes: dict, objectives: tuple[str, ...]
) -> None:
    axis = trade_off(objectives)
    plot_pareto(tmp_path / "pareto.png", CROSSED, CROSSED, objectives)
    label, xs = _pareto_axis(saved_axes)
    assert AXIS_LABELS[axis] in label, f"{objectives}: x axis labelled {label!r}"
    assert xs == [objective_value(r, axis) for r in CROSSED]


def test_a_size_run_orders_its_front_and_outputs_by_weight_bytes(size_run: Path) -> None:
    run = open_run(size_run)
    sizes = [r.weight_bytes for r in run.front]
    assert sizes == sorted(sizes), f"the front is not ordered by weight bytes: {sizes}"
    with (size_run / "pareto.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["trial_id"]) for row in rows] == [r.trial_id for r in run.front], (
        "pareto.csv is not in the front's order"
    )
    assert [int(row["weight_bytes"]) for row in rows] == sizes, "pareto.csv lacks weight bytes"
    proc = automl_command("status", str(size_run))
    assert proc.returncode == 0, proc.stderr
    listed = [int(i) for i in re.findall(r"^\W+(\d+)\s+\W\s+\d\.\d{4}\s", proc.stdout, re.M)]
    assert listed == [r.trial_id for r in run.front], f"status lists {listed}:\n{proc.stdout}"


def test_a_size_run_keeps_networks_beyond_the_limit_off_its_front(size_run: Path) -> None:
    run = open_run(size_run)
    trained = [r for r in run.records if r.status in TRAINED]
    limit = SIZE_LIMIT_KB * 1000
    over = [r.trial_id for r in trained if r.weight_bytes > limit]
    within = [r.trial_id for r in trained if r.weight_bytes <= limit]
    assert over and within, f"the limit splits nothing: over {over}, within {within}"
    assert all(r.weight_bytes <= limit for r in run.front), (
        f"front {[(r.trial_id, r.weight_bytes) for r in run.front]} beyond {limit} bytes"
    )


def test_weight_bytes_are_the_exported_weights(size_run: Path, tmp_path: Path) -> None:
    """The size objective counts what export ships: the state dict's float32 tensors (less
    the batch norms' step counters), and metrics.json says the same number."""
    member = open_run(size_run).front[-1]
    automl.open_run(size_run).export(tmp_path, trial_id=member.trial_id)
    state = torch.load(tmp_path / "weights.pt", weights_only=True)
    stored = sum(
        t.numel() * t.element_size()
        for name, t in state.items()
        if not name.endswith("num_batches_tracked")
    )
    assert stored == member.weight_bytes, f"weights.pt holds {stored} bytes, recorded {member}"
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["weight_bytes"] == member.weight_bytes


def test_a_size_run_picks_its_knee_on_size_and_latency_on_latency(
    size_run: Path, tmp_path: Path
) -> None:
    run = open_run(size_run)
    out = tmp_path / "knee"
    automl.open_run(size_run).export(out, pick="knee")
    chosen = json.loads((out / "metrics.json").read_text())["trial_id"]
    assert chosen == knee(run.front, "size").trial_id, "the knee was not taken on size"
    fastest = min(run.front, key=lambda r: (r.latency_ms, -r.val_accuracy))
    assert pick_member(run, pick="latency") == fastest, "--pick latency left latency"
    budget = sorted(r.latency_ms for r in run.front)[len(run.front) // 2]
    within = [r for r in run.front if r.latency_ms <= budget]
    assert pick_member(run, max_latency_ms=budget) == max(within, key=lambda r: r.val_accuracy)


def test_a_size_run_report_plots_weight_bytes(
    size_run: Path, tmp_path: Path, saved_axes: dict
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(size_run, run_dir)
    run: FinishedRun = dataclasses.replace(open_run(size_run), run_dir=run_dir)
    write_report(run)
    label, xs = _pareto_axis(saved_axes)
    assert label == f"{AXIS_LABELS['size']} (log scale)", f"x axis labelled {label!r}"
    trained = [r for r in run.records if r.status in TRAINED]
    assert xs == [float(r.weight_bytes) for r in trained], "pareto.png does not plot sizes"
