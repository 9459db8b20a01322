"""MNIST, Fashion-MNIST and CIFAR-10 in their official file layouts.

MNIST and Fashion-MNIST go through torchvision's own classes (IDX files in
``ROOT/MNIST/raw`` and ``ROOT/FashionMNIST/raw``). For CIFAR-10, torchvision downloads and
verifies the archive, but its reader unpickles the batches with plain ``pickle``, which runs
whatever code a file carries; the batches are read here instead, in the same layout
(``ROOT/cifar-10-batches-py/data_batch_1..5``, ``test_batch``, ``batches.meta``), by an
unpickler that accepts nothing but numpy arrays, lists, dicts and text.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from automl.data.readers import DatasetReader, location
from automl.data.splits import RawDataset
from automl.errors import DataError

if TYPE_CHECKING:
    from automl.config import DatasetConfig

_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_FILES = (*_CIFAR_TRAIN, "test_batch", "batches.meta")
_READ_ERRORS = (AssertionError, RuntimeError, ValueError, TypeError, IndexError, OSError)


def _expect_files(config: DatasetConfig, folder: Path, names: tuple[str, ...]) -> None:
    """Name the missing files and the flag that fetches them, before any reader runs."""
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise DataError(
            f"dataset {config.name!r}: expected {', '.join(missing)} in {folder}; put the "
            "official files there or set `dataset.download: true` to fetch them"
        )


def _download(config: DatasetConfig, dataset_class: type) -> None:
    try:
        dataset_class(str(location(config)), train=True, download=True)
        dataset_class(str(location(config)), train=False, download=True)
    except _READ_ERRORS as exc:
        raise DataError(f"dataset {config.name!r}: download failed: {exc}") from None


def _read_idx(config: DatasetConfig) -> RawDataset:
    from torchvision import datasets

    dataset_class = {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST}[config.name]
    raw_folder = location(config) / dataset_class.__name__ / "raw"
    if config.download:
        _download(config, dataset_class)
    _expect_files(config, raw_folder, _IDX_FILES)
    parts = []
    for train in (True, False):
        try:
            part = dataset_class(str(location(config)), train=train, download=False)
        except _READ_ERRORS as exc:
            raise DataError(
                f"dataset {config.name!r}: the IDX files in {raw_folder} are truncated or "
                f"corrupted ({type(exc).__name__}{': ' + str(exc) if str(exc) else ''})"
            ) from None
        if len(part.data) != len(part.targets):
            raise DataError(
                f"dataset {config.name!r}: {raw_folder} holds {len(part.data)} "
                f"{'training' if train else 'test'} images but {len(part.targets)} labels"
            )
        parts.append((part.data.numpy()[:, None], part.targets.numpy().astype(np.int64)))
    classes = tuple(dataset_class.classes)
    _check_label_range(parts, classes, str(raw_folder))
    (x, y), (x_test, y_test) = parts
    return RawDataset(x, y, classes, str(raw_folder), x_test, y_test)


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays and plain containers; any other global is refused."""

    _ALLOWED = {"_reconstruct", "ndarray", "dtype", "scalar"}

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("_codecs", "encode"):  # how protocol 2 writes bytes in Python 3
            return super().find_class(module, name)
        if module.split(".")[0] == "numpy" and name in self._ALLOWED:
            if int(np.__version__.split(".")[0]) >= 2:  # numpy 2 moved numpy.core to _core
                module = module.replace("numpy.core", "numpy._core")
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _unpickle(path: Path) -> dict:
    try:
        with path.open("rb") as file:
            entry = _ArraysOnly(file, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, *_READ_ERRORS) as exc:
        raise DataError(
            f"{path}: not a readable CIFAR-10 python batch ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(entry, dict):
        raise DataError(f"{path}: a CIFAR-10 batch must hold a dict, found {type(entry).__name__}")
    return entry


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    entry = _unpickle(path)
    data, labels = entry.get("data"), entry.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise DataError(f"{path}: `data` must be a uint8 array of N x 3072 pixel rows")
    if data.shape[1] != 3 * 32 * 32 or labels is None or len(labels) != data.shape[0]:
        raise DataError(
            f"{path}: expected N x 3072 pixels and N labels, found {list(data.shape)} pixels "
            f"and {None if labels is None else len(labels)} labels"
        )
    return data.reshape(-1, 3, 32, 32), np.asarray(labels, dtype=np.int64)


def _read_cifar10(config: DatasetConfig) -> RawDataset:
    folder = location(config) / _CIFAR_FOLDER
    if config.download:
        from torchvision.datasets import CIFAR10

        _download(config, CIFAR10)
    _expect_files(config, folder, _CIFAR_FILES)
    train = [_cifar_batch(folder / name) for name in _CIFAR_TRAIN]
    test = _cifar_batch(folder / "test_batch")
    names = _unpickle(folder / "batches.meta").get("label_names")
    if not isinstance(names, list) or not names:
        raise DataError(f"{folder / 'batches.meta'}: no `label_names` list")
    parts = [
        (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train])),
        test,
    ]
    classes = tuple(str(name) for name in names)
    _check_label_range(parts, classes, str(folder))
    (x, y), (x_test, y_test) = parts
    return RawDataset(x, y, classes, str(folder), x_test, y_test)


def _check_label_range(
    parts: list[tuple[np.ndarray, np.ndarray]], classes: tuple[str, ...], source: str
) -> None:
    for _, y in parts:
        if y.size and (y.min() < 0 or y.max() >= len(classes)):
            raise DataError(
                f"{source}: labels must lie in 0..{len(classes) - 1}, found "
                f"{int(y.min())}..{int(y.max())}"
            )


_TORCHVISION_ROOT = "the folder that holds {} (torchvision's root)"
MNIST = DatasetReader(_read_idx, "root", _TORCHVISION_ROOT.format("MNIST/raw"))
FASHION_MNIST = DatasetReader(_read_idx, "root", _TORCHVISION_ROOT.format("FashionMNIST/raw"))
CIFAR10 = DatasetReader(_read_cifar10, "root", _TORCHVISION_ROOT.format(_CIFAR_FOLDER))
