"""The ``automl`` command. Heavy imports (torch) happen inside commands, so ``--help`` answers
at once."""

from __future__ import annotations

import atexit
import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
PICKS = ["knee", "accuracy", "latency"]
"""How export and retrain choose a front member (``automl.export.picking``)."""


class _Group(click.Group):
    """Turns project errors and usage errors into one line and exit code 2; tracebacks only
    with ``--debug``."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            command = f" {exc.ctx.command_path}" if exc.ctx else ""
            click.echo(f"error:{command}: {exc.format_message()} (see --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from genomes import AutoMLError  # imported late: it pulls in torch

            if _caused_by_ctrl_c(exc):
                _interrupted()
            if ctx.meta.get("debug") or not isinstance(exc, AutoMLError):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            _interrupted()


def _caused_by_ctrl_c(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt lies behind ``exc``: Ctrl-C during an import of compiled
    code (scikit-learn's trees, imported on the guided strategy's first refit) surfaces as
    the ValueError of a module that could not finish initialising."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _interrupted() -> None:
    click.echo("interrupted: finished trials are saved in the run directory", err=True)
    sys.exit(EXIT_INTERRUPTED)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Evolutionary joint architecture and hyperparameter search."""
    ctx.meta["debug"] = debug


@main.command()
@click.argument("config_path", metavar="CONFIG.yaml", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Run directory (default: output).")
@click.option("--budget", type=click.IntRange(min=1), help="Number of evaluations.")
@click.option("--workers", type=click.IntRange(min=1), help="Number of worker processes.")
@click.option("--seed", type=int, help="Search seed.")
@click.option("--resume", is_flag=True, help="Continue the run in the output directory.")
def search(
    config_path: Path,
    out: Path | None,
    budget: int | None,
    workers: int | None,
    seed: int | None,
    resume: bool,
) -> None:
    """Search networks for the dataset described in CONFIG.yaml."""
    _start_worker_server()
    from automl.api import search as run_search

    console = Console()
    run = run_search(
        config_path,
        out=out,
        budget=budget,
        workers=workers,
        seed=seed,
        resume=resume,
        console=console,
    )

    from automl.report.table import front_table
    from evaluators import FINISHED, TrialStatus

    console.print(front_table(run.front))
    if run.stop_reason:
        console.print(f"[yellow]stopped early:[/] {run.stop_reason}")
    finished = sum(r.status in FINISHED for r in run.trials)
    failed = sum(r.status is TrialStatus.FAILED for r in run.trials)
    console.print(f"{finished} trials finished ({failed} failed); outputs in {run.path}")


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--trial", type=int, help="Export this trial (a front member).")
@click.option(
    "--pick",
    type=click.Choice(PICKS),
    help="Export the front's knee, most accurate or fastest member.",
)
@click.option(
    "--max-latency-ms",
    type=click.FloatRange(min=0, min_open=True),
    help="Only members this fast (with --pick; alone it picks the most accurate).",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Export directory.")
@click.option(
    "--quantize",
    type=click.Choice(["none", "int8"]),
    default="none",
    show_default=True,
    help="int8: also model.int8.onnx (ONNX Runtime static quantisation), measured on test.",
)
def export(
    run_dir: Path,
    trial: int | None,
    pick: str | None,
    max_latency_ms: float | None,
    out: Path,
    quantize: str,
) -> None:
    """Export one network of a run as standalone PyTorch (model.py, weights.pt, model.pt2)."""
    if trial is not None and max_latency_ms is not None:
        raise click.UsageError("--max-latency-ms goes with --pick, not with --trial")
    if (trial is None) == (pick is None and max_latency_ms is None):
        raise click.UsageError("give either --trial ID or --pick (and/or --max-latency-ms)")
    from automl.api import open_run

    written = open_run(run_dir).export(out, trial, pick, max_latency_ms, quantize)
    metrics = json.loads((out / "metrics.json").read_text())
    test = "-" if metrics["test_accuracy"] is None else f"{metrics['test_accuracy']:.4f}"
    weights = (
        "retrained weights of seed 0" if metrics["weights"] == "retrained" else "search weights"
    )
    click.echo(
        f"trial {metrics['trial_id']} (val {metrics['val_accuracy']:.4f}, test {test}, "
        f"{metrics['latency_ms']:.4g} ms; {weights}) -> {out}: "
        f"{', '.join(p.name for p in written)}"
    )
    if quantize == "int8":
        click.echo(_int8_line(metrics["int8"]))


def _int8_line(int8: dict[str, Any]) -> str:
    """What quantisation did, from metrics.json: accuracy, latency and size, fp32 -> int8."""
    if "error" in int8:
        return int8["error"]
    before, after = int8["fp32"], int8["int8"]
    return (
        f"int8 in ONNX Runtime: test accuracy {before['test_accuracy']:.4f} -> "
        f"{after['test_accuracy']:.4f}, latency {before['latency_ms']:.4g} -> "
        f"{after['latency_ms']:.4g} ms, file {before['file_bytes']:,} -> "
        f"{after['file_bytes']:,} bytes"
    )


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--trial", "trials", type=int, multiple=True, help="Retrain this trial (repeatable).")
@click.option(
    "--pick",
    type=click.Choice(PICKS),
    help="Retrain the front's knee, most accurate or fastest member.",
)
@click.option("--front", is_flag=True, help="Retrain every front member.")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Trainings per network, each from scratch with a seed of its own.",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    help="Epochs per seed (default: the search's best epoch count; a pruned trial's full budget).",
)
@click.option("--workers", type=click.IntRange(min=1), help="Number of worker processes.")
def retrain(
    run_dir: Path,
    trials: tuple[int, ...],
    pick: str | None,
    front: bool,
    seeds: int,
    epochs: int | None,
    workers: int | None,
) -> None:
    """Train chosen networks again from scratch on the training and validation splits, with
    several seeds, and measure each on the test split; export then ships seed 0's weights.
    Run again to continue a stopped retrain."""
    if sum((bool(trials), pick is not None, front)) != 1:
        raise click.UsageError("give one of --trial ID (repeatable), --pick or --front")
    _start_worker_server()
    from automl.api import open_run

    run = open_run(run_dir)
    summaries = run.retrain(
        trials=list(trials) or None,
        pick=pick,
        seeds=seeds,
        epochs=epochs,
        workers=workers,
        console=Console(),
    )
    search_accuracy = {r.trial_id: r.test_accuracy for r in run.trials}
    for summary in summaries:
        before = search_accuracy[summary.trial_id]
        failed = f"; {summary.failed} seed(s) failed, run again to retry" if summary.failed else ""
        retrained = (
            "no seed finished"
            if summary.mean is None
            else f"test {summary.mean:.4f} +- {summary.sd:.4f} over {summary.seeds} seed(s)"
        )
        click.echo(
            f"trial {summary.trial_id}: {retrained} of {summary.epochs} epochs{failed} "
            "(search weights: " + ("-" if before is None else f"{before:.4f}") + ")"
        )


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--watch", is_flag=True, help="Refresh until the search ends.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="Seconds between refreshes with --watch.",
)
def status(run_dir: Path, watch: bool, interval: float) -> None:
    """Where a run stands; safe while its search is running."""
    from automl.run.finished import open_run
    from automl.run.status import print_status, watch_status

    if watch:  # reads the run afresh at every refresh
        watch_status(run_dir, Console(), interval)
    else:
        print_status(open_run(run_dir, need_trained=False), Console())


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
def report(run_dir: Path) -> None:
    """Write report.html (self-contained), pareto.png, hypervolume.png and curves.png."""
    from automl.api import open_run

    written = open_run(run_dir).report()
    click.echo(f"report written: {', '.join(str(path) for path in written)}")


def _numbers(kind: type) -> click.ParamType:
    """A comma-separated list of positive numbers, e.g. ``1,8,64``."""

    class Numbers(click.ParamType):
        name = f"comma-separated {kind.__name__}s"

        def convert(self, value: object, param: object, ctx: object) -> list:
            if isinstance(value, list):
                return value
            try:
                numbers = [kind(part) for part in str(value).split(",")]
            except ValueError:
                self.fail(f"must be positive {kind.__name__}s separated by commas; got {value!r}")
            if not numbers or min(numbers) <= 0:
                self.fail(f"must be positive {kind.__name__}s separated by commas; got {value!r}")
            return numbers

    return Numbers()


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--device", default="cpu", show_default=True, help="cpu or cuda:N, several comma-separated."
)
@click.option("--batch-sizes", type=_numbers(int), default="1", show_default=True)
@click.option("--threads", type=_numbers(int), default="1", show_default=True)
@click.option(
    "--runtimes",
    default="eager",
    show_default=True,
    help="eager, exported (torch.export) or onnxruntime (CPU), several comma-separated.",
)
@click.option(
    "--quantize",
    default="none",
    show_default=True,
    help="none (as trained) and/or int8 (quantised, in ONNX Runtime), comma-separated.",
)
@click.option("--budgets-ms", type=_numbers(float), default=None, help="Latency budgets, ms.")
@click.option("--name", default=None, help="Folder under RUN/studies (default: from the settings).")
def study(
    run_dir: Path,
    device: str,
    batch_sizes: list[int],
    threads: list[int],
    runtimes: str,
    quantize: str,
    budgets_ms: list[float] | None,
    name: str | None,
) -> None:
    """Re-measure the front on other devices, batch sizes and thread counts and pick the most
    accurate member per latency budget; kept in RUN/studies/NAME/ (study.csv,
    study_picks.csv, study.png), never overwriting an earlier study."""
    from automl.api import open_run

    folder = open_run(run_dir).study(
        devices=[part.strip() for part in device.split(",")],
        batch_sizes=batch_sizes,
        threads=threads,
        budgets_ms=budgets_ms or [],
        name=name,
        runtimes=[part.strip() for part in runtimes.split(",")],
        quantize=[part.strip() for part in quantize.split(",")],
        progress=click.echo,
    )
    written = sorted(path for path in folder.iterdir() if path.is_file())
    click.echo(f"study written: {', '.join(str(path) for path in written)}")


def _start_worker_server() -> None:
    """Workers fork from a server that imports torch once; started first, its imports run on
    the second core while this process imports its own (1.5 s sooner to the first trial)."""
    from evaluators import start_worker_server

    start_worker_server()


def entry() -> None:
    """The installed command: ``main``, then an exit without the interpreter's module teardown,
    which takes 0.5-0.8 s once torch is loaded (after every search, status and export). Exit
    handlers (Ray's shutdown, logging) still run and the output is flushed; every file of
    ours is closed by then."""
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    entry()
