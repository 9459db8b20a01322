"""Datasets as in-memory tensors with seeded, stratified train / validation / test splits.

Every reader yields raw model inputs (images as float in [0, 1], N x C x H x W; tables as raw
feature values); the normalisation statistics come from the training split only and travel
inside the network, so an exported model needs no preprocessing code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from automl.errors import DataError
from evaluators import TrainingData
from genomes import Problem, Registry

if TYPE_CHECKING:
    from automl.config import DatasetConfig


@dataclass(frozen=True)
class RawDataset:
    """What a reader returns: features, integer labels, class names, and the source's own test
    split where it has one."""

    x: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


@dataclass(frozen=True)
class DatasetSplits:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]

    @property
    def problem(self) -> Problem:
        return Problem(tuple(self.x_train.shape[1:]), len(self.classes))

    def training_data(self) -> TrainingData:
        """Training and validation splits plus the training split's statistics: per channel
        for images, per feature for tables."""
        axes = (0, 2, 3) if self.x_train.dim() == 4 else (0,)
        mean = self.x_train.mean(dim=axes)
        std = self.x_train.std(dim=axes).clamp_min(1e-6)
        return TrainingData(
            self.x_train, self.y_train, self.x_val, self.y_val, mean, std, len(self.classes)
        )


Reader = Callable[["DatasetConfig"], RawDataset]
READERS: Registry[Reader] = Registry("dataset")


def _read_digits(config: DatasetConfig) -> RawDataset:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    return RawDataset(x, digits.target.astype(np.int64), tuple(str(c) for c in range(10)))


READERS.register("digits", _read_digits)


def load_dataset(config: DatasetConfig) -> DatasetSplits:
    """Read the configured dataset and split it (stratified, seeded)."""
    raw = READERS.get(config.name)(config)
    return split_dataset(raw, config)


def split_dataset(raw: RawDataset, config: DatasetConfig) -> DatasetSplits:
    """Test: the source's own split, else ``test_fraction`` of all samples. Validation:
    ``val_fraction`` of what remains for training."""
    from sklearn.model_selection import train_test_split

    x, y = raw.x, raw.y
    _check_classes(y, "the dataset")
    if raw.x_test is None:
        x, x_test, y, y_test = _stratified(
            train_test_split, x, y, config.test_fraction, config.seed, "dataset.test_fraction"
        )
    else:
        x_test, y_test = raw.x_test, raw.y_test
    x_train, x_val, y_train, y_val = _stratified(
        train_test_split, x, y, config.val_fraction, config.seed, "dataset.val_fraction"
    )
    tensors = [
        torch.from_numpy(np.ascontiguousarray(a))
        for a in (x_train, y_train, x_val, y_val, x_test, y_test)
    ]
    return DatasetSplits(*tensors, classes=raw.classes)


def _stratified(split, x, y, fraction, seed, key):  # noqa: ANN001, ANN202
    try:
        return split(x, y, test_size=fraction, random_state=seed, stratify=y)
    except ValueError as exc:
        raise DataError(
            f"`{key}` = {fraction} cannot split {len(y)} samples of "
            f"{len(np.unique(y))} classes with every class on both sides: {exc}"
        ) from None


def _check_classes(y: np.ndarray, where: str) -> None:
    classes = np.unique(y)
    if classes.size < 2:
        raise DataError(f"{where} must hold at least 2 classes to classify; got {classes.size}")
