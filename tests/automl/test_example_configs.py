"""Every example config in experiments/, pointed at small files written in its dataset's real
format, loads its data and builds the networks of its space; an image example and a table
example run a short real search (in this process: the command line's own tests are
elsewhere)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console

import automl
from tests.dataset_files import class_images, write_cifar10, write_image_folder, write_mnist

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "experiments"


def _csv(tmp: Path) -> dict:
    rows = [
        f"{i % 3 + 0.1 * (i % 5)},{(i * 7) % 11},{['low', 'mid', 'high'][i % 3]}" for i in range(60)
    ]
    (tmp / "table.csv").write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return {"path": str(tmp / "table.csv")}


def _npz(tmp: Path) -> dict:
    x, y = class_images(60, (1, 8, 8), 3, seed=0)
    np.savez(tmp / "data.npz", x=x, y=y)
    return {"path": str(tmp / "data.npz")}


DATA = {  # digits.yaml is the demo: `make demo` and most other tests run it
    "mnist": lambda tmp: {"root": str(write_mnist(tmp, "MNIST", n_train=120).parents[1])},
    "fashion_mnist": lambda tmp: {
        "root": str(write_mnist(tmp, "FashionMNIST", n_train=120).parents[1])
    },
    "cifar10": lambda tmp: {"root": str(write_cifar10(tmp).parent)},
    "image_folder": lambda tmp: {"root": str(write_image_folder(tmp / "images"))},
    "csv": _csv,
    "npz": _npz,
}


def _signals(tmp: Path) -> dict:
    from experiments.signals_data import make_signals

    x, y = make_signals(samples=60, length=32)
    np.savez(tmp / "signals.npz", x=x, y=y)
    return {"path": str(tmp / "signals.npz")}


SPACES = {"mobile": lambda tmp: {}, "signals": _signals}
"""Examples of a kind of search space rather than of data (on built-in or generated data)."""


def test_there_is_an_example_config_per_dataset_kind() -> None:
    from automl.data import READERS

    stems = {path.stem for path in EXAMPLES.glob("*.yaml")}
    assert stems == set(READERS.names()) | set(SPACES), "an example without a test, or none"
    assert set(DATA) | {"digits"} == set(READERS.names()), "a dataset kind has no search test"


def _example(tmp_path: Path, kind: str) -> Path:
    """The example config, pointed at small files in its format, with a tiny budget."""
    config = yaml.safe_load((EXAMPLES / f"{kind}.yaml").read_text())
    config["dataset"].update({**DATA, **SPACES}[kind](tmp_path), download=False)
    config["space"]["max_epochs"] = 1
    config["search"].update(population=2, evaluations=2)
    config["evaluator"].update(max_epochs=1, devices=["cpu"])
    config["latency"].update(blocks=3, warmup_calls=5)
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("kind", [*DATA, *SPACES])
def test_example_config_loads_its_data_and_builds_networks_of_its_space(
    tmp_path: Path, kind: str
) -> None:
    import torch

    from automl.config import load_config
    from automl.data import load_dataset
    from evaluators import build_model
    from genomes import sample_genome

    config = load_config(_example(tmp_path, kind))
    splits = load_dataset(config.dataset)
    data = splits.training_data()
    assert len(splits.x_test) > 0 and len(set(splits.y_train.tolist())) == len(splits.classes)
    rng, batch = np.random.default_rng(0), data.x_val[:5]
    for _ in range(4):
        model = build_model(sample_genome(config.search_space(), data.problem, rng), data).eval()
        with torch.no_grad():
            logits = model(batch)
        expected = (len(batch), len(splits.classes))
        assert logits.shape == expected, f"{kind}: logits {tuple(logits.shape)}, not {expected}"


@pytest.mark.parametrize("kind", ["cifar10", "csv", *SPACES])  # image, table, each new space
def test_example_config_runs_a_short_search(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "run"
    automl.search(_example(tmp_path, kind), out=out, console=Console(quiet=True))
    trials = (out / "trials.csv").read_text().splitlines()
    assert len(trials) == 3, f"{kind}: expected 2 trials in trials.csv, got {trials}"
    assert "FAILED" not in "\n".join(trials), f"{kind}: a trial failed: {trials}"
