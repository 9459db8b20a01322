"""Errors the CLI reports as one line with exit code 2 (bad input) and their base classes."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from evaluators import EvaluationError
from genomes import AutoMLError, InvalidGenomeError, SearchSpaceError


class ConfigError(AutoMLError, ValueError):
    """A config file that is missing, unreadable, or breaks the schema."""


class DataError(AutoMLError, ValueError):
    """A dataset that cannot be loaded or split as configured."""


class StorageError(AutoMLError, OSError):
    """The run or export directory cannot be written (a full disk, no permission)."""


RESUME_HINT = "the trials recorded so far are safe: free space, then continue with --resume"
RETRY_HINT = "the run is unchanged: free space, then retry"


@contextlib.contextmanager
def storage_errors(what: str, hint: str = RESUME_HINT) -> Iterator[None]:
    """Turn a failed write (a full disk, no permission, SQLite unable to grow the store) into
    one StorageError line saying what could not be written and what to do (``hint``)."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        if isinstance(exc, AutoMLError):
            raise
        raise StorageError(f"cannot write {what} ({exc}); {hint}") from None


class RunDirectoryError(AutoMLError, ValueError):
    """A run directory that cannot be used as asked (it already holds trials, or is missing)."""


class ExportCheckError(AutoMLError, RuntimeError):
    """An export file (``model.py``, ``model.pt2``, ``model.onnx``) that, loaded back, does not
    compute what the trained network computes; nothing is kept."""


__all__ = [
    "AutoMLError",
    "ConfigError",
    "DataError",
    "EvaluationError",
    "ExportCheckError",
    "InvalidGenomeError",
    "RunDirectoryError",
    "StorageError",
    "SearchSpaceError",
]
