"""Everything a search checks before it writes anything: the run directory, the data, the
space against the data, every device named in the config, and the warm-start runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from automl.config import Config
from automl.data import DatasetSplits, load_dataset
from automl.run.rundir import check_new, check_resumable
from automl.run.warm import WarmTrial, load_warm_start
from evaluators import check_device, resolve_slots
from genomes import SearchSpace


@dataclass(frozen=True)
class PreparedSearch:
    config: Config
    run_dir: Path
    resume: bool
    splits: DatasetSplits
    space: SearchSpace
    slots: list[str]
    warm: list[WarmTrial]


def prepare_search(config: Config, run_dir: Path, resume: bool) -> PreparedSearch:
    """Raise (one line, nothing written) on anything that would stop the search later."""
    if resume:
        check_resumable(run_dir, config)
    else:
        check_new(run_dir)
    splits = load_dataset(config.dataset)
    space = config.search_space()
    space.check_problem(splits.problem)
    evaluator = config.evaluator
    devices = "auto" if evaluator.devices == ["auto"] else evaluator.devices
    slots = resolve_slots(devices, evaluator.workers_per_device, evaluator.workers)
    check_device(config.latency.device, "latency.device")
    warm = load_warm_start(config, space, splits.problem)
    return PreparedSearch(config, run_dir, resume, splits, space, slots, warm)
