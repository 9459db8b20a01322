"""The Python API: a search from a notebook or a pipeline (a config file, a dict or a
``Config``; data as a file or as arrays in memory), and a ``Run`` to read, export, report
and study it. The command line calls the same functions.

    run = automl.search("digits.yaml", budget=32)
    run = automl.search({"search": {"evaluations": 32}}, data=(x, y), out="runs/mine")
    model = run.load_model(run.best(max_latency_ms=0.05).trial_id)
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.atomic import atomic_path
from automl.config import Config, set_dotted, validate_config
from automl.config_file import read_config_file
from automl.errors import ConfigError, DataError, storage_errors

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import Console
    from torch import nn

    from automl.run.finished import FinishedRun
    from automl.run.retrain import RetrainSummary
    from automl.run.store import TrialRecord

DATA_FILE = "data.npz"
"""Where ``search(..., data=...)`` keeps the arrays, inside the run directory: resume,
export, report and study read them from there as from any NPZ dataset."""


def search(
    config: str | os.PathLike[str] | dict[str, Any] | Config,
    *,
    data: Sequence[Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    budget: int | None = None,
    workers: int | None = None,
    seed: int | None = None,
    resume: bool = False,
    console: Console | None = None,
) -> Run:
    """Run a search (or continue one with ``resume``) and return its run.

    ``data`` replaces the config's dataset with arrays or tensors: ``(x, y)``, or
    ``(x, y, x_test, y_test)`` to fix the test split, with the shapes and rules of an NPZ
    dataset. ``console`` receives the progress (a quiet one hides it)."""
    raw, source = _raw_config(config)
    for dotted, value in {
        "search.evaluations": budget,
        "evaluator.workers": workers,
        "search.seed": seed,
        "output": None if out is None else str(out),
    }.items():
        if value is not None:
            set_dotted(raw, dotted, value)
    checked = validate_config(raw, source)  # bad input is refused before torch is imported
    run_dir = Path(checked.output)
    if data is not None:
        dataset = {k: v for k, v in raw.get("dataset", {}).items() if k not in ("name", "root")}
        dataset.update(name="npz", path=str(_keep_data(run_dir, data, resume).resolve()))
        checked = validate_config({**raw, "dataset": dataset}, source)

    from rich.console import Console

    from automl.run.runner import run_search
    from automl.run.warm import WarmStartError
    from evaluators import DeviceError
    from genomes import SearchSpaceError

    try:
        stop_reason = run_search(checked, run_dir, console or Console(), resume=resume)
    except (DeviceError, SearchSpaceError, WarmStartError) as exc:  # config vs data/machine
        raise ConfigError(f"{source}: {exc}") from None
    run = open_run(run_dir)
    run.stop_reason = stop_reason
    return run


def open_run(path: str | os.PathLike[str]) -> Run:
    """A run directory, finished or still searching."""
    return Run(Path(path))


class Run:
    """One run directory: its trials, front and hypervolume as recorded when opened (or last
    ``refresh``ed), and what can be done with them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stop_reason: str | None = None
        """Why the search that returned this run stopped before its budget, if it did."""
        self.refresh()

    def refresh(self) -> None:
        """Read the run directory again (a search may still be adding trials)."""
        from automl.run.finished import open_run as read_run

        self._run: FinishedRun = read_run(self.path, need_trained=False)

    @property
    def config(self) -> Config:
        return self._run.config

    @property
    def trials(self) -> list[TrialRecord]:
        return list(self._run.records)

    @property
    def front(self) -> list[TrialRecord]:
        """The non-dominated feasible trained trials on validation accuracy and the trade-off
        objective."""
        return list(self._run.front)

    def hypervolume_history(self) -> list[tuple[int, float, float]]:
        """(evaluations, seconds since the start, hypervolume) after every result from the
        ``search.population``-th on (the normalisation is fixed from the first ones)."""
        return list(self._run.hypervolume)

    def best(self, max_latency_ms: float | None = None, pick: str = "accuracy") -> TrialRecord:
        """The front member ``pick`` chooses (``accuracy``, ``knee`` or ``latency``) among
        those within ``max_latency_ms``."""
        from automl.export.picking import pick_member

        return pick_member(self._trained(), None, pick, max_latency_ms)

    def load_model(self, trial_id: int) -> nn.Module:
        """The trained network of a trial whose weights were kept, on the CPU, in eval mode."""
        run = self._trained()
        return run.load_model(run.trial(trial_id))

    def export(
        self,
        out: str | os.PathLike[str],
        trial_id: int | None = None,
        pick: str | None = None,
        max_latency_ms: float | None = None,
        quantize: str = "none",
    ) -> list[Path]:
        """``automl export``: one network as standalone files in ``out`` (with
        ``quantize="int8"`` also ``model.int8.onnx``); returns them."""
        from automl.export.picking import pick_member
        from automl.export.writer import export_member

        run = self._trained()
        chosen = pick_member(run, trial_id, pick, max_latency_ms)
        return export_member(run, chosen, Path(out), quantize)

    def report(self) -> list[Path]:
        """``automl report``: report.html and its figures in the run directory."""
        from automl.report.builder import write_report

        with storage_errors(
            f"the report into {self.path}", "the run is unchanged: free space, then retry"
        ):
            return write_report(self._trained())

    def study(
        self,
        devices: Sequence[str] = ("cpu",),
        batch_sizes: Sequence[int] = (1,),
        threads: Sequence[int] = (1,),
        budgets_ms: Sequence[float] = (),
        name: str | None = None,
        runtimes: Sequence[str] = ("eager",),
        quantize: Sequence[str] = ("none",),
        progress: Callable[[str], None] | None = None,
    ) -> Path:
        """``automl study``: the front re-measured on every combination of the settings
        (``quantize=("none", "int8")`` adds each member quantised, in ONNX Runtime), kept in
        ``studies/NAME/``; returns that folder. ``progress`` receives a line per
        measurement and per budget's pick."""
        from automl.study.folders import default_study_name, new_study_dir
        from automl.study.measure import run_study, study_settings, write_study

        settings = study_settings(devices, batch_sizes, threads, runtimes, quantize)
        folder = new_study_dir(self.path, name or default_study_name(settings))
        rows, picks = run_study(self._trained(), settings, list(budgets_ms), progress)
        if progress is not None:
            for pick in picks:
                progress(pick.describe())
        with storage_errors(
            f"the study into {self.path}", "the run is unchanged: free space, then retry"
        ):
            write_study(folder, rows, picks)
        return folder

    def retrain(
        self,
        trials: Sequence[int] | None = None,
        pick: str | None = None,
        seeds: int = 3,
        epochs: int | None = None,
        workers: int | None = None,
        console: Console | None = None,
    ) -> list[RetrainSummary]:
        """``automl retrain``: ``trials`` (or the front member ``pick`` chooses, or else the
        whole front) trained again from scratch on training and validation data with
        ``seeds`` seeds; returns each trial's test accuracy over its seeds. ``console``
        receives the progress."""
        from rich.console import Console

        from automl.export.picking import pick_member
        from automl.run.progress import CountProgress
        from automl.run.retrain import run_retrain

        run = self._trained()
        if trials is None:
            chosen = [pick_member(run, None, pick)] if pick else run.front
            trials = [record.trial_id for record in chosen]
        with CountProgress(console or Console(), "retrain") as bar:
            summaries = run_retrain(run, list(trials), seeds, epochs, workers, bar.update)
        self.refresh()
        return summaries

    def trials_dataframe(self) -> Any:  # noqa: ANN401 - pandas.DataFrame, an optional extra
        """Every trial as a row of a pandas DataFrame (``pip install 'automl[dataframe]'``)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "trials_dataframe needs pandas: pip install 'automl[dataframe]'"
            ) from None
        return pandas.DataFrame([record.to_dict() for record in self.trials])

    def plot_pareto(self) -> Figure:
        """pareto.png as a matplotlib figure, to show inline or save."""
        from matplotlib.figure import Figure

        from automl.run.outputs import PARETO_SIZE, draw_pareto

        run = self._run
        figure = Figure(figsize=PARETO_SIZE, dpi=120)
        draw_pareto(figure, run.records, run.front, tuple(run.config.objectives))
        figure.tight_layout()
        return figure

    def _trained(self) -> FinishedRun:
        """The run, refused with one line while it has no trained trial."""
        from automl.run.finished import require_trained

        require_trained(self.path, self._run.records)
        return self._run

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}: {len(self.trials)} trials, front of {len(self.front)})"


def _raw_config(config: str | os.PathLike[str] | dict[str, Any] | Config) -> tuple[dict, str]:
    """The config as a plain mapping to override, and the name its errors start with."""
    if isinstance(config, Config):
        return config.model_dump(mode="json"), "config"
    if isinstance(config, dict):
        return copy.deepcopy(config), "config"
    return read_config_file(config), str(config)


def _keep_data(run_dir: Path, data: Sequence[Any], resume: bool) -> Path:
    """Keep ``data`` in a new run directory as ``data.npz``; a resumed run must be given the
    arrays it was started with. Nothing is written where the search would be refused."""
    import numpy as np

    from automl.run.rundir import check_new

    if len(data) not in (2, 4):
        raise DataError(f"data: {len(data)} arrays; allowed: (x, y) or (x, y, x_test, y_test)")
    names = ("x", "y", "x_test", "y_test")[: len(data)]
    arrays = {name: _as_array(array, name) for name, array in zip(names, data, strict=True)}
    path = run_dir / DATA_FILE
    if resume:
        if not path.is_file():
            raise DataError(f"data: {run_dir} holds no {DATA_FILE}: it was not searched on arrays")
        with np.load(path, allow_pickle=False) as kept:
            same = set(kept.files) == set(arrays) and all(
                np.array_equal(kept[name], arrays[name]) for name in arrays
            )
        if not same:
            raise DataError(f"data: not the arrays {path} holds; a resumed run needs those")
        return path
    check_new(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial, partial.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def _as_array(array: Any, name: str) -> Any:  # noqa: ANN401 - numpy arrays or tensors
    import numpy as np

    if hasattr(array, "detach"):  # a torch tensor, perhaps on a GPU
        array = array.detach().cpu().numpy()
    try:
        return np.asarray(array)
    except (TypeError, ValueError) as exc:
        raise DataError(f"data: `{name}` is not an array ({exc})") from None
