"""Dataset readers on small files written in the real formats, read through the real readers
(torchvision's for MNIST and Fashion-MNIST and ImageFolder; the CIFAR-10 batch layout)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from automl import DataError, load_dataset
from automl.config import DatasetConfig
from evaluators import as_model_input
from tests.dataset_files import (
    CIFAR_CLASSES,
    class_images,
    write_cifar10,
    write_image_folder,
    write_mnist,
)


def dataset(**fields: object) -> DatasetConfig:
    return DatasetConfig(**{"val_fraction": 0.25, "test_fraction": 0.25, **fields})


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_idx_files_load_through_torchvision_with_their_own_test_split(tmp_path, name, folder):
    raw = write_mnist(tmp_path, folder, n_train=60, n_test=20)
    splits = load_dataset(dataset(name=name, root=str(tmp_path)))
    assert splits.x_train.dtype == torch.uint8, "images must stay uint8 in memory"
    assert tuple(splits.x_train.shape[1:]) == (1, 28, 28)
    assert len(splits.y_test) == 20, "the t10k files are the test split"
    assert len(splits.y_train) + len(splits.y_val) == 60
    assert len(splits.y_val) == 15 and set(splits.y_val.tolist()) == set(range(10))
    expected, labels = class_images(20, (28, 28), 10, seed=1)
    assert torch.equal(splits.x_test[:, 0], torch.from_numpy(expected)), f"pixels of {raw} differ"
    assert splits.y_test.tolist() == labels.tolist()
    assert len(splits.classes) == 10


def test_cifar10_batches_are_read_in_their_layout(tmp_path):
    folder = write_cifar10(tmp_path, per_batch=20, n_test=20)
    splits = load_dataset(dataset(name="cifar10", root=str(tmp_path)))
    assert splits.classes == tuple(CIFAR_CLASSES)
    assert tuple(splits.x_test.shape) == (20, 3, 32, 32) and splits.x_test.dtype == torch.uint8
    assert len(splits.y_train) + len(splits.y_val) == 100, "five training batches of 20"
    rows = pickle.loads((folder / "test_batch").read_bytes())["data"]
    # row layout: 1024 red, 1024 green, 1024 blue values, each plane row-major
    assert splits.x_test[3, 1, 2, 5] == rows[3][1024 + 2 * 32 + 5], "channel planes mixed up"
    assert splits.x_test[7, 2, 31, 0] == rows[7][2048 + 31 * 32]


def test_image_folder_resizes_and_keeps_grayscale(tmp_path):
    write_image_folder(tmp_path / "gray", ("a", "b", "c"), per_class=8, mode="L")
    splits = load_dataset(dataset(name="image_folder", root=str(tmp_path / "gray"), image_size=16))
    assert tuple(splits.x_train.shape[1:]) == (1, 16, 16), "grayscale must stay one channel"
    assert splits.classes == ("a", "b", "c")
    write_image_folder(tmp_path / "rgb", ("cat", "dog"), per_class=8, mode="RGB")
    splits = load_dataset(dataset(name="image_folder", root=str(tmp_path / "rgb"), image_size=12))
    assert tuple(splits.x_test.shape[1:]) == (3, 12, 12)
    assert splits.x_train.dtype == torch.uint8
    bright = splits.x_train[splits.y_train == 1].float().mean()
    dark = splits.x_train[splits.y_train == 0].float().mean()
    assert bright > dark + 100, "labels do not follow the class folders"


def test_csv_with_string_labels_maps_them_to_classes(tmp_path):
    path = tmp_path / "iris.csv"
    lines = ["sepal,petal,species"] + [
        f"{i * 0.1:.1f},{i % 7},{['setosa', 'virginica', 'versicolor'][i % 3]}" for i in range(30)
    ]
    path.write_text("\n".join(lines) + "\n")
    splits = load_dataset(dataset(name="csv", path=str(path), label_column="species"))
    assert splits.classes == ("setosa", "versicolor", "virginica")
    assert splits.x_train.dtype == torch.float32 and tuple(splits.x_train.shape[1:]) == (2,)
    everything = torch.cat([splits.x_train, splits.x_val, splits.x_test])
    labels = torch.cat([splits.y_train, splits.y_val, splits.y_test])
    for features, label in zip(everything.tolist(), labels.tolist(), strict=True):
        i = round(features[0] * 10)
        assert splits.classes[label] == ["setosa", "virginica", "versicolor"][i % 3]
        assert features[1] == i % 7


def test_npz_tables_and_images_with_an_optional_test_split(tmp_path):
    x, y = class_images(40, (3, 8, 8), 4, seed=0)
    x_test, y_test = class_images(12, (3, 8, 8), 4, seed=1)
    np.savez(tmp_path / "images.npz", x=x, y=y, x_test=x_test, y_test=y_test)
    splits = load_dataset(dataset(name="npz", path=str(tmp_path / "images.npz")))
    assert splits.x_train.dtype == torch.uint8 and len(splits.y_test) == 12
    assert splits.classes == ("0", "1", "2", "3"), "integer labels keep their meaning"
    table = np.random.default_rng(0).normal(size=(30, 5))
    np.savez(tmp_path / "table.npz", x=table, y=np.array(["no", "yes"] * 15))
    splits = load_dataset(dataset(name="npz", path=str(tmp_path / "table.npz")))
    assert tuple(splits.x_train.shape[1:]) == (5,) and splits.classes == ("no", "yes")


def test_normalisation_statistics_come_from_the_training_split_on_the_model_scale(tmp_path):
    write_cifar10(tmp_path, per_batch=20, n_test=20)
    splits = load_dataset(dataset(name="cifar10", root=str(tmp_path)))
    data = splits.training_data()
    pixels = as_model_input(splits.x_train)
    assert torch.allclose(data.mean, pixels.mean(dim=(0, 2, 3)), atol=1e-5)
    assert torch.allclose(data.std, pixels.std(dim=(0, 2, 3)), atol=1e-5)
    assert float(data.mean.max()) < 1.0, "statistics must be of [0, 1] inputs, not bytes"


def test_splits_are_seeded_and_stratified(tmp_path):
    first = load_dataset(dataset(name="digits", seed=3))
    again = load_dataset(dataset(name="digits", seed=3))
    other = load_dataset(dataset(name="digits", seed=4))
    assert torch.equal(first.y_val, again.y_val) and torch.equal(first.x_test, again.x_test)
    assert not torch.equal(first.y_val, other.y_val), "the seed does not change the split"
    counts = torch.bincount(first.y_val, minlength=10).float()
    assert counts.max() - counts.min() <= 2, f"validation split not stratified: {counts}"


def test_a_pickle_carrying_code_is_refused_not_run(tmp_path):
    folder = write_cifar10(tmp_path)
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    (folder / "data_batch_2").write_bytes(pickle.dumps({"data": Exploit()}, protocol=2))
    with pytest.raises(DataError, match="data_batch_2.*refusing to load"):
        load_dataset(dataset(name="cifar10", root=str(tmp_path)))
    assert not marker.exists(), "unpickling ran code from the file"
