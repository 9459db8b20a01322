"""scikit-learn's digits (8 x 8 grayscale, 1,797 images): built in, the default."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from automl.data.readers import DatasetReader
from automl.data.splits import RawDataset

if TYPE_CHECKING:
    from automl.config import DatasetConfig


def _read_digits(config: DatasetConfig) -> RawDataset:
    """Pixels take values 0..16, kept as floats in [0, 1] (not bytes: 16ths are no multiples
    of 1/255, and the set is tiny)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    classes = tuple(str(c) for c in range(10))
    return RawDataset(x, digits.target.astype(np.int64), classes, "scikit-learn digits")


DIGITS = DatasetReader(_read_digits, None)
