"""Every example config in experiments/ runs a short real search, pointed at small files
written in its dataset's real format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.cli import automl
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


def test_there_is_an_example_config_per_dataset_kind() -> None:
    from automl.data import READERS

    assert {path.stem for path in EXAMPLES.glob("*.yaml")} == set(READERS.names())
    assert set(DATA) | {"digits"} == set(READERS.names()), "a dataset kind has no search test"


@pytest.mark.parametrize("kind", list(DATA))
def test_example_config_runs_a_short_search(tmp_path: Path, kind: str) -> None:
    config = yaml.safe_load((EXAMPLES / f"{kind}.yaml").read_text())
    config["dataset"].update(DATA[kind](tmp_path), download=False)
    config["space"]["max_epochs"] = 1
    config["search"].update(population=2, evaluations=2)
    config["evaluator"].update(max_epochs=1, devices=["cpu"])
    config["latency"].update(blocks=3, warmup_calls=5)
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    proc = automl("search", str(path), "--out", str(out))
    assert proc.returncode == 0, f"{kind}: {proc.stderr[-2000:]}"
    trials = (out / "trials.csv").read_text().splitlines()
    assert len(trials) == 3, f"{kind}: expected 2 trials in trials.csv, got {trials}"
    assert "FAILED" not in "\n".join(trials), f"{kind}: a trial failed: {trials}"
