"""Writers of small datasets in the official file formats, for the tests and the data
benchmark: IDX (MNIST, Fashion-MNIST), CIFAR-10 python batches, PNG class folders."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np

from experiments.cifar_files import CIFAR_CLASSES, write_cifar_batch


def class_images(
    n: int, shape: tuple[int, ...], classes: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images whose classes differ in brightness, so a small network can tell them
    apart, with labels cycling through the classes."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    base = (y * (200 // max(classes - 1, 1)))[:, None]
    noise = rng.integers(0, 56, size=(n, int(np.prod(shape))))
    return (base + noise).astype(np.uint8).reshape(n, *shape), y.astype(np.int64)


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file of uint8 values: magic (0, 0, 0x08, ndim), big-endian sizes, the bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist(root: Path, folder: str = "MNIST", n_train: int = 60, n_test: int = 20) -> Path:
    """``root/<folder>/raw`` with the four IDX files torchvision's MNIST classes read."""
    raw = root / folder / "raw"
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        x, y = class_images(n, (28, 28), 10, seed)
        write_idx(raw / f"{prefix}-images-idx3-ubyte", x)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", y)
    return raw


def write_cifar10(root: Path, per_batch: int = 20, n_test: int = 20) -> Path:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        write_cifar_batch(folder / f"data_batch_{i}", *class_images(per_batch, (3, 32, 32), 10, i))
    write_cifar_batch(folder / "test_batch", *class_images(n_test, (3, 32, 32), 10, 0))
    meta = {"label_names": CIFAR_CLASSES, "num_cases_per_batch": per_batch, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def write_image_folder(
    root: Path, classes: tuple[str, ...] = ("cat", "dog"), per_class: int = 12, mode: str = "RGB"
) -> Path:
    """PNG files (``mode`` "RGB" or "L") in one folder per class, of varying sizes (the
    reader resizes them); classes differ in brightness."""
    from PIL import Image

    rng = np.random.default_rng(0)
    channels = 3 if mode == "RGB" else 1
    for label, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        brightness = label * 200 // max(len(classes) - 1, 1)
        for i in range(per_class):
            noise = rng.integers(0, 56, size=(20 + i % 3, 24, channels))
            pixels = (brightness + noise).astype(np.uint8)
            Image.fromarray(pixels if channels == 3 else pixels[..., 0]).save(
                root / name / f"{i}.png"
            )
    return root
