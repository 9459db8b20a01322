"""Class folders of images (``ROOT/<class>/<image>``) through torchvision's ImageFolder.

Every file in a class folder must be an image, so a stray file is reported rather than
silently left out (hidden files such as ``.DS_Store`` are skipped). Images are resized to
``image_size`` squares and kept as uint8; grayscale stays one channel when every image is
grayscale, otherwise all become RGB.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from automl.data.readers import DatasetReader, location
from automl.data.splits import RawDataset
from automl.errors import DataError

if TYPE_CHECKING:
    from PIL import Image

    from automl.config import DatasetConfig

_GRAYSCALE_MODES = {"1", "L", "LA"}


def _read_image_folder(config: DatasetConfig) -> RawDataset:
    from torchvision.datasets import ImageFolder

    root = location(config)
    if not root.is_dir():
        raise DataError(f"`dataset.root` = {str(root)!r}: no such folder of class folders")
    try:
        folder = ImageFolder(str(root), is_valid_file=_not_hidden)
    except FileNotFoundError as exc:
        raise DataError(f"`dataset.root` = {str(root)!r}: {exc}") from None
    images = [_open(Path(path)) for path, _ in folder.samples]
    grayscale = all(image.mode in _GRAYSCALE_MODES for image in images)
    x = np.stack([_pixels(image, grayscale, config.image_size) for image in images])
    y = np.array([label for _, label in folder.samples], dtype=np.int64)
    return RawDataset(x, y, tuple(folder.classes), str(root))


def _not_hidden(path: str) -> bool:
    return not Path(path).name.startswith(".")


def _open(path: Path) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            return image
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(
            f"{path}: not a readable image ({exc}); class folders may hold only images"
        ) from None


def _pixels(image: Image.Image, grayscale: bool, size: int) -> np.ndarray:
    """C x size x size uint8 pixels."""
    from PIL import Image

    converted = image.convert("L" if grayscale else "RGB").resize((size, size), Image.BILINEAR)
    pixels = np.asarray(converted, dtype=np.uint8)
    return pixels[None] if grayscale else pixels.transpose(2, 0, 1)


IMAGE_FOLDER = DatasetReader(
    _read_image_folder, "root", "a folder with one subfolder of images per class"
)
