"""The ``automl`` command. Heavy imports (torch) happen inside commands, so ``--help`` answers
at once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Group(click.Group):
    """Turns project errors into one line and exit code 2; tracebacks only with ``--debug``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from genomes import AutoMLError  # imported late: it pulls in torch

            if ctx.meta.get("debug") or not isinstance(exc, AutoMLError):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
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
    from automl.config import load_config

    overrides = {
        key: value
        for key, value in {
            "search.evaluations": budget,
            "evaluator.workers": workers,
            "search.seed": seed,
            "output": None if out is None else str(out),
        }.items()
        if value is not None
    }
    config = load_config(config_path, overrides)

    from automl.errors import ConfigError
    from automl.report_table import front_table
    from automl.runner import run_search
    from evaluators import DeviceError
    from genomes import SearchSpaceError

    console = Console()
    try:
        summary = run_search(config, Path(config.output), console, resume=resume)
    except (DeviceError, SearchSpaceError) as exc:  # the config does not fit this data/machine
        raise ConfigError(f"{config_path}: {exc}") from None
    console.print(front_table(summary.front))
    console.print(
        f"{summary.finished} trials finished ({summary.failed} failed); "
        f"outputs in {summary.run_dir}"
    )


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--trial", type=int, help="Export this trial (a front member).")
@click.option(
    "--pick",
    type=click.Choice(["knee", "accuracy", "latency"]),
    help="Export the front's knee, most accurate or fastest member.",
)
@click.option(
    "--max-latency-ms",
    type=click.FloatRange(min=0, min_open=True),
    help="Only members this fast (with --pick; alone it picks the most accurate).",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Export directory.")
def export(
    run_dir: Path, trial: int | None, pick: str | None, max_latency_ms: float | None, out: Path
) -> None:
    """Export one network of a run as standalone PyTorch (model.py, weights.pt, model.pt2)."""
    if (trial is None) == (pick is None and max_latency_ms is None):
        raise click.UsageError("give either --trial ID or --pick (and/or --max-latency-ms)")
    if trial is not None and max_latency_ms is not None:
        raise click.UsageError("--max-latency-ms goes with --pick, not with --trial")
    from automl.export import export_member
    from automl.finished_run import open_run
    from automl.picking import pick_member

    run = open_run(run_dir)
    record = pick_member(run, trial, pick, max_latency_ms)
    written = export_member(run, record, out)
    test = "-" if record.test_accuracy is None else f"{record.test_accuracy:.4f}"
    click.echo(
        f"trial {record.trial_id} (val {record.val_accuracy:.4f}, test {test}, "
        f"{record.latency_ms:.4g} ms) -> {out}: {', '.join(p.name for p in written)}"
    )


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
def status(run_dir: Path) -> None:
    """Where a run stands; safe while its search is running."""
    from automl.finished_run import open_run
    from automl.status import print_status

    print_status(open_run(run_dir, need_trained=False), Console())


if __name__ == "__main__":
    main()
