"""Deployment studies: re-measure the latency of every front member on each target setting
(device, batch size, thread count) and name, per setting, the most accurate member under each
latency budget. This is how a user decides which network to ship to which device.

Each member is measured alone, in this process, one at a time: the search measured latency on
its workers' settings, often beside training processes, and those numbers need not hold on
the target. Per setting the reference network is calibrated afresh (its latency depends on the
batch size and threads as much as a member's does), so the drift correction and disturbance
checks of ``measure_latency`` compare like with like.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torch import nn

from automl.errors import ConfigError
from automl.run.finished import FinishedRun
from automl.run.outputs import write_rows
from automl.run.rundir import weights_path
from automl.study.plot import plot_study
from evaluators import (
    DriftTracker,
    LatencySettings,
    available_cpus,
    calibrate,
    check_device,
    check_runtime,
    measure_deployed,
    measure_latency,
    prime_drift,
)

if TYPE_CHECKING:
    from automl.study.int8 import Int8Member

STUDY_FILE = "study.csv"
PICKS_FILE = "study_picks.csv"
PLOT_FILE = "study.png"


@dataclass(frozen=True, slots=True)
class StudySetting:
    """One deployment target: where and how the network would run."""

    device: str
    batch_size: int
    threads: int
    runtime: str = "eager"
    quantize: str = "none"
    """``int8``: the member quantised (ONNX Runtime only), else as trained (fp32)."""

    @property
    def label(self) -> str:
        runtime = "" if self.runtime == "eager" else f" {self.runtime}"
        quantize = "" if self.quantize == "none" else f" {self.quantize}"
        return f"{self.device} b={self.batch_size} t={self.threads}{runtime}{quantize}"


@dataclass(frozen=True, slots=True)
class StudyRow:
    """One front member measured on one setting."""

    trial_id: int
    device: str
    batch_size: int
    threads: int
    latency_ms: float
    """Per call, i.e. for a whole batch of ``batch_size`` inputs: what a budget bounds."""
    latency_per_sample_ms: float
    spread: float
    """Interquartile range of the timed blocks over their median: how noisy the setting was."""
    val_accuracy: float
    """Of the network as this setting runs it: after quantisation on an int8 row."""
    test_accuracy: float | None
    runtime: str = "eager"
    quantize: str = "none"
    file_bytes: int | None = None
    """What ships: the state dict (``weights.pt``) of an fp32 row, ``model.int8.onnx`` of an
    int8 row."""

    @property
    def setting(self) -> StudySetting:
        return StudySetting(self.device, self.batch_size, self.threads, self.runtime, self.quantize)

    @property
    def shown_accuracy(self) -> float:
        """Test accuracy for display, or validation accuracy for a member without one (a run
        read before its end). Picks use validation accuracy, as every choice here does."""
        return self.val_accuracy if self.test_accuracy is None else self.test_accuracy


@dataclass(frozen=True, slots=True)
class BudgetPick:
    """The most accurate member (on validation) of one setting whose latency per call fits
    ``budget_ms``."""

    setting: StudySetting
    budget_ms: float
    trial_id: int | None
    """None when no member fits; ``latency_ms`` is then the fastest member's, to say by how
    much the budget was missed."""
    latency_ms: float
    val_accuracy: float | None
    """None, as ``test_accuracy``, when no member fits."""
    test_accuracy: float | None

    def describe(self) -> str:
        chosen = (
            f"trial {self.trial_id} ({self.latency_ms:.4g} ms, val {self.val_accuracy:.4f})"
            if self.trial_id is not None
            else f"none (the fastest takes {self.latency_ms:.4g} ms)"
        )
        return f"{self.setting.label}, budget {self.budget_ms:g} ms: {chosen}"

    def to_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self.setting),
            "budget_ms": self.budget_ms,
            "trial_id": self.trial_id,
            "latency_ms": self.latency_ms,
            "val_accuracy": self.val_accuracy,
            "test_accuracy": self.test_accuracy,
        }


STUDY_COLUMNS = tuple(f.name for f in dataclasses.fields(StudyRow))
PICKS_COLUMNS = (
    *(f.name for f in dataclasses.fields(StudySetting)),
    *("budget_ms", "trial_id", "latency_ms", "val_accuracy", "test_accuracy"),
)


QUANTIZE = ("none", "int8")


def study_settings(
    devices: Sequence[str],
    batch_sizes: Sequence[int],
    threads: Sequence[int],
    runtimes: Sequence[str] = ("eager",),
    quantize: Sequence[str] = ("none",),
) -> list[StudySetting]:
    """Every combination of the settings, in this order; the members as trained in each
    runtime where ``quantize`` holds ``none``, and quantised to int8 in ONNX Runtime on the
    CPU (the runtime and device its int8 kernels are for) where it holds ``int8``."""
    unknown = [q for q in quantize if q not in QUANTIZE]
    if unknown or not quantize:
        given = repr(unknown[0]) if unknown else "nothing"
        raise ConfigError(f"--quantize: {given} is not a choice; allowed: {', '.join(QUANTIZE)}")
    if "int8" in quantize and "cpu" not in devices:
        raise ConfigError(
            f"--quantize int8 runs in ONNX Runtime on the CPU; --device is {','.join(devices)}: "
            "add cpu"
        )
    kinds = [(r, "none") for r in runtimes if "none" in quantize]
    return [
        StudySetting(d, b, t, r, q)
        for d in devices
        for b in batch_sizes
        for t in threads
        for r, q in kinds + [("onnxruntime", "int8")] * ("int8" in quantize and d == "cpu")
    ]


def run_study(
    run: FinishedRun,
    settings: list[StudySetting],
    budgets_ms: list[float],
    progress: Callable[[str], None] | None = None,
    latency: LatencySettings | None = None,
) -> tuple[list[StudyRow], list[BudgetPick]]:
    """Measure every front member on every setting, then pick per setting and budget.

    ``latency`` is the measurement template (warm-up, blocks, retries); its device, batch
    size, threads and reference are replaced per setting. By default the run's own latency
    config, so a study measures as carefully as the search did. ``progress`` receives one line
    per measurement and notes such as more threads than cores."""
    for setting in settings:  # all of them before anything is measured
        check_device(setting.device, "--device")
        check_runtime(setting.runtime, setting.device, "--runtimes")
    say = progress or (lambda _line: None)
    template = latency or run.config.evaluation_settings().latency
    models = {record.trial_id: run.load_model(record) for record in run.front}
    int8 = {}
    if any(setting.quantize == "int8" for setting in settings):
        from automl.study.int8 import quantize_front

        int8 = quantize_front(run, models, say)
    rows: list[StudyRow] = []
    for setting in settings:
        if setting.device == "cpu" and setting.threads > available_cpus():
            say(
                f"note: {setting.label} asks for {setting.threads} threads but this process "
                f"has {available_cpus()} core(s); the threads share them"
            )
        rows += _measure_setting(run, models, int8, setting, template, say)
    measured = [setting for setting in settings if any(row.setting == setting for row in rows)]
    picks = [pick_within(rows, setting, budget) for setting in measured for budget in budgets_ms]
    return rows, picks


def _measure_setting(
    run: FinishedRun,
    models: dict[int, nn.Module],
    int8: dict[int, Int8Member],
    setting: StudySetting,
    template: LatencySettings,
    say: Callable[[str], None],
) -> list[StudyRow]:
    """Every member on one setting, beside a reference calibrated for that setting."""
    settings = dataclasses.replace(
        template,
        device=setting.device,
        batch_size=setting.batch_size,
        threads=setting.threads,
        reference_ms=None,
        runtime=setting.runtime,
    )
    settings = calibrate(settings, run.input_shape)
    drift = DriftTracker()
    prime_drift(drift, run.input_shape, settings)
    rows = []
    for done, record in enumerate(run.front, 1):
        trial_id = record.trial_id
        if setting.quantize == "int8":
            if trial_id not in int8:
                continue  # its quantisation failed, as a note said
            member = int8[trial_id]
            runner = member.runner(setting.threads)
            stats = measure_deployed(runner, run.input_shape, settings, drift)
            accuracy = (member.val_accuracy, member.test_accuracy)
            file_bytes = member.file_bytes
        else:
            stats = measure_latency(models[trial_id], run.input_shape, settings, drift)
            accuracy = (record.val_accuracy, record.test_accuracy)
            file_bytes = weights_path(run.run_dir, trial_id).stat().st_size
        rows.append(
            StudyRow(
                trial_id,
                setting.device,
                setting.batch_size,
                setting.threads,
                stats.latency_ms,
                stats.latency_ms / setting.batch_size,
                stats.spread,
                *accuracy,
                setting.runtime,
                setting.quantize,
                file_bytes,
            )
        )
        say(
            f"{setting.label}: trial {record.trial_id} ({done}/{len(run.front)}) "
            f"{stats.latency_ms:.4g} ms per call"
        )
    return rows


def pick_within(rows: list[StudyRow], setting: StudySetting, budget_ms: float) -> BudgetPick:
    """The most accurate (on validation) of ``setting``'s rows within the budget, the faster
    on a tie."""
    measured = [row for row in rows if row.setting == setting]
    fitting = [row for row in measured if row.latency_ms <= budget_ms]
    if not fitting:
        fastest = min(measured, key=lambda row: row.latency_ms)
        return BudgetPick(setting, budget_ms, None, fastest.latency_ms, None, None)
    best = max(fitting, key=lambda row: (row.val_accuracy, -row.latency_ms))
    return BudgetPick(
        setting, budget_ms, best.trial_id, best.latency_ms, best.val_accuracy, best.test_accuracy
    )


def write_study(folder: Path, rows: list[StudyRow], picks: list[BudgetPick]) -> list[Path]:
    """Write ``study.csv`` (one row per member and setting), ``study_picks.csv`` (one row per
    setting and budget) and ``study.png`` into ``folder`` (made if missing); returns their
    paths."""
    folder.mkdir(parents=True, exist_ok=True)
    study, picks_path, plot = folder / STUDY_FILE, folder / PICKS_FILE, folder / PLOT_FILE
    write_rows(study, STUDY_COLUMNS, (dataclasses.asdict(row) for row in rows))
    write_rows(picks_path, PICKS_COLUMNS, (pick.to_dict() for pick in picks))
    plot_study(plot, rows, sorted({pick.budget_ms for pick in picks}))
    return [study, picks_path, plot]
