"""The registry of dataset readers: the names ``dataset.name`` accepts and which of
``dataset.root`` / ``dataset.path`` each needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from automl.errors import DataError
from genomes import Registry

if TYPE_CHECKING:
    from automl.config import DatasetConfig
    from automl.data.splits import RawDataset


@dataclass(frozen=True)
class DatasetReader:
    read: Callable[[DatasetConfig], RawDataset]
    needs: Literal["root", "path"] | None
    """The location key the reader requires; None for a built-in dataset."""
    location: str = ""
    """What that key must point at, for messages."""


READERS: Registry[DatasetReader] = Registry("dataset")


def location(config: DatasetConfig) -> Path:
    """The configured ``root`` or ``path`` of a reader that needs one (the config checks it is
    set), relative to the working directory."""
    reader = READERS.get(config.name)
    value = getattr(config, reader.needs)
    if value is None:
        raise DataError(
            f"`dataset.{reader.needs}` is required for dataset {config.name!r}: {reader.location}"
        )
    return Path(value)
