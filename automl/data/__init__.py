"""Datasets as in-memory tensors with seeded, stratified train / validation / test splits.

Every reader yields raw model inputs (images as uint8 or as floats in [0, 1], N x C x H x W;
tables as raw feature values, N x F; signals as raw values, N x C x L) and is registered in
``READERS`` under the name ``dataset.name`` takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from automl.data import builtin, image_folder, tables, torchvision_sets
from automl.data.layout import check_layout
from automl.data.readers import READERS, DatasetReader
from automl.data.splits import DatasetSplits, RawDataset, split_dataset

if TYPE_CHECKING:
    from automl.config import DatasetConfig

for _name, _reader in [  # in the order of the config contract
    ("digits", builtin.DIGITS),
    ("mnist", torchvision_sets.MNIST),
    ("fashion_mnist", torchvision_sets.FASHION_MNIST),
    ("cifar10", torchvision_sets.CIFAR10),
    ("image_folder", image_folder.IMAGE_FOLDER),
    ("csv", tables.CSV),
    ("npz", tables.NPZ),
]:
    READERS.register(_name, _reader)


def load_dataset(config: DatasetConfig) -> DatasetSplits:
    """Read the configured dataset and split it (stratified, seeded)."""
    raw = READERS.get(config.name).read(config)
    check_layout(raw.x, config.layout, config.name)
    return split_dataset(raw, (config.val_fraction, config.test_fraction), config.seed)


__all__ = ["READERS", "DatasetReader", "DatasetSplits", "RawDataset", "load_dataset"]
