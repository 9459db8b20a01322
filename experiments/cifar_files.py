"""CIFAR-10 batches written in the official python layout, for the data benchmark and the
tests of the ``cifar10`` reader (no download is possible here)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

CIFAR_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip


def write_cifar_batch(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """One batch as CIFAR-10 ships it: a pickled dict whose ``data`` rows are the 1024 red,
    1024 green, then 1024 blue pixels of a 32 x 32 image."""
    entry = {
        "batch_label": path.name,
        "labels": [int(label) for label in y],
        "data": x.reshape(len(x), 3 * 32 * 32),
        "filenames": [f"image_{i}.png" for i in range(len(x))],
    }
    path.write_bytes(pickle.dumps(entry, protocol=2))
