"""Signals (``dataset.layout: signal``): N x C x L arrays and CSV rows of C channels read as
C x L samples, normalised per channel from the training split, searched by the ``cnn1d``
family; layouts that do not fit the data, and the 1-D family on other data, are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from automl import DataError, load_dataset
from automl.config import DatasetConfig
from evaluators import build_model
from genomes import Problem, SearchSpace, SearchSpaceError, sample_genome


def dataset(**fields: object) -> DatasetConfig:
    return DatasetConfig(**{"val_fraction": 0.25, "test_fraction": 0.25, **fields})


def waves(n: int = 60, channels: int = 2, length: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Three classes of noisy waves, channel 1 at ten times channel 0's scale."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    t = np.linspace(0, 1, length)
    x = np.stack([np.sin(2 * np.pi * (k + 1) * t) for k in y])[:, None].repeat(channels, 1)
    x = x + 0.1 * rng.normal(size=x.shape)
    x[:, 1] *= 10
    return x.astype(np.float32), y


def test_an_npz_of_signals_reads_as_channels_of_steps(tmp_path: Path) -> None:
    x, y = waves()
    np.savez(tmp_path / "s.npz", x=x, y=y)
    splits = load_dataset(dataset(name="npz", path=str(tmp_path / "s.npz"), layout="signal"))
    assert splits.problem == Problem((2, 24), 3)
    data = splits.training_data()
    assert data.mean.shape == (2,), f"statistics per channel expected, got {data.mean.shape}"
    expected_std = splits.x_train[:, 1].std().item()
    assert data.std[1].item() == pytest.approx(expected_std, rel=1e-3)
    space = SearchSpace(families=("mlp", "cnn1d"), blocks=("conv", "dwsep", "mbconv"))
    rng = np.random.default_rng(0)
    families = set()
    for _ in range(6):
        genome = sample_genome(space, splits.problem, rng)
        families.add(genome.family)
        model = build_model(genome, data).eval()
        with torch.no_grad():
            assert model(splits.x_val[:4]).shape == (4, 3)
    assert families == {"mlp", "cnn1d"}, f"families sampled on signals: {families}"


def test_csv_rows_split_into_channels_one_after_the_other(tmp_path: Path) -> None:
    header = ",".join([f"f{i}" for i in range(6)] + ["label"])
    rows = [",".join(str(10 * r + i) for i in range(6)) + f",{r % 2}" for r in range(20)]
    (tmp_path / "s.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    config = dataset(name="csv", path=str(tmp_path / "s.csv"), layout="signal", channels=2)
    splits = load_dataset(config)
    assert splits.problem.input_shape == (2, 3)
    sample = splits.x_train[0]
    first = sample[0, 0].item()
    assert sample.tolist() == [[first, first + 1, first + 2], [first + 3, first + 4, first + 5]]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(name="npz", layout="signal", images=True), r"`x` has shape \[12, 1, 4, 4\], which"),
        (dict(name="csv", layout="signal", channels=4), r"6 features per sample do not split"),
        (dict(name="digits", layout="signal"), r"'signal' does not fit dataset 'digits'"),
        (dict(name="npz", layout="signal", channels=3), r"`dataset.channels` = 3, but `x` holds 2"),
        (dict(name="npz", layout="signal", text=True), r"`x` has dtype <U1; allowed: numbers"),
        (dict(name="csv", layout="image"), r"'image', but a CSV holds tables or signals"),
    ],
)
def test_a_layout_that_does_not_fit_the_data_is_refused(
    tmp_path: Path, fields: dict, message: str
) -> None:
    if fields.pop("images", False):
        np.savez(tmp_path / "d.npz", x=np.zeros((12, 1, 4, 4), np.uint8), y=np.arange(12) % 2)
        fields["path"] = str(tmp_path / "d.npz")
    elif fields["name"] == "npz":
        x = np.full((12, 6), "a") if fields.pop("text", False) else waves(12)[0]
        np.savez(tmp_path / "d.npz", x=x, y=np.arange(12) % 2)
        fields["path"] = str(tmp_path / "d.npz")
    elif fields["name"] == "csv":
        rows = [",".join(["1"] * 6) + f",{r % 2}" for r in range(8)]
        (tmp_path / "s.csv").write_text("a,b,c,d,e,f,label\n" + "\n".join(rows) + "\n")
        fields["path"] = str(tmp_path / "s.csv")
    with pytest.raises(DataError, match=message):
        load_dataset(dataset(**fields))


@pytest.mark.parametrize(
    ("family", "shape", "message"),
    [
        ("cnn1d", (1, 8, 8), r"'cnn1d', which needs signals \(C x L\).*allowed: \['mlp', 'cnn'\]"),
        ("cnn", (2, 24), r"'cnn', which needs image inputs.*allowed: \['mlp', 'cnn1d'\]"),
        ("cnn1d", (30,), r"'cnn1d', which needs signals .*allowed: \['mlp'\]"),
    ],
)
def test_each_convolutional_family_needs_its_kind_of_data(
    family: str, shape: tuple, message: str
) -> None:
    with pytest.raises(SearchSpaceError, match=message):
        SearchSpace(families=("mlp", family)).check_problem(Problem(shape, 3))
