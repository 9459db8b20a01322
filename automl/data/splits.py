"""What every reader returns, and the seeded, stratified train / validation / test splits.

Images stay as the reader yields them: uint8 (0..255) where the source stores bytes, so a
CIFAR-10 sized set costs a quarter of float32's memory, and become floats in [0, 1] on the
device, batch by batch (``evaluators.as_model_input``). Tables are float32. The
normalisation statistics come from the training split only and travel inside the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from automl.errors import DataError
from evaluators import TrainingData, as_model_input
from genomes import Problem

if TYPE_CHECKING:  # imported where tensors are made: a refused config never needs torch
    import torch

_STATISTICS_CHUNK = 4096


@dataclass(frozen=True)
class RawDataset:
    """Features, integer labels in ``0..len(classes)-1`` and class names, plus the source's
    own test split where it has one. ``source`` names the file or folder, for messages."""

    x: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    source: str
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
        for images and signals, per feature for tables."""
        mean, std = _statistics(self.x_train)
        return TrainingData(
            self.x_train, self.y_train, self.x_val, self.y_val, mean, std, len(self.classes)
        )

    def final_training_data(self) -> TrainingData:
        """For final training: the training and validation splits together to train on, the
        test split in the place of validation (to measure the result, never to choose), and
        the statistics of what is trained on."""
        import torch

        x, y = torch.cat([self.x_train, self.x_val]), torch.cat([self.y_train, self.y_val])
        mean, std = _statistics(x)
        return TrainingData(x, y, self.x_test, self.y_test, mean, std, len(self.classes))


def _statistics(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation of the model inputs, per channel (images, signals) or feature,
    accumulated in float64 chunk by chunk so that uint8 images never exist as floats at once."""
    import torch

    axes = (0, *range(2, x.dim())) if x.dim() > 2 else (0,)  # per channel, or per feature
    total = torch.zeros(x.shape[1], dtype=torch.float64)
    squares = torch.zeros_like(total)
    for start in range(0, x.shape[0], _STATISTICS_CHUNK):
        chunk = as_model_input(x[start : start + _STATISTICS_CHUNK]).double()
        total += chunk.sum(dim=axes)
        squares += chunk.square().sum(dim=axes)
    count = x.numel() // x.shape[1]
    mean = total / count
    variance = (squares - count * mean.square()).clamp_min(0) / max(count - 1, 1)
    return mean.float(), variance.sqrt().float().clamp_min(1e-6)


def split_dataset(raw: RawDataset, fractions: tuple[float, float], seed: int) -> DatasetSplits:
    """Test: the source's own split, else ``test_fraction`` of all samples. Validation:
    ``val_fraction`` of what remains for training. Both stratified and seeded."""
    val_fraction, test_fraction = fractions
    x, y = raw.x, raw.y
    check_classes(y, raw.source)
    if raw.x_test is None:
        x, x_test, y, y_test = _stratified(
            x, y, test_fraction, seed, "dataset.test_fraction", raw.source
        )
    else:
        x_test, y_test = raw.x_test, raw.y_test
    x_train, x_val, y_train, y_val = _stratified(
        x, y, val_fraction, seed, "dataset.val_fraction", raw.source
    )
    import torch

    tensors = [
        torch.from_numpy(np.ascontiguousarray(a))
        for a in (x_train, y_train, x_val, y_val, x_test, y_test)
    ]
    return DatasetSplits(*tensors, classes=raw.classes)


def _stratified(x, y, fraction, seed, key, source):  # noqa: ANN001, ANN202
    from sklearn.model_selection import train_test_split

    try:
        return train_test_split(x, y, test_size=fraction, random_state=seed, stratify=y)
    except ValueError as exc:
        raise DataError(
            f"{source}: `{key}` = {fraction} cannot split {len(y)} samples of "
            f"{len(np.unique(y))} classes with every class on both sides ({exc}); "
            "add samples or change the fraction"
        ) from None


def check_classes(y: np.ndarray, source: str) -> None:
    classes = np.unique(y)
    if classes.size < 2:
        raise DataError(
            f"{source}: a classifier needs at least 2 classes; the labels hold "
            f"{classes.size}" + (f" ({classes[0]!r})" if classes.size else "")
        )
