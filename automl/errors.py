"""Errors the CLI reports as one line with exit code 2 (bad input) and their base classes."""

from __future__ import annotations

from evaluators import EvaluationError
from genomes import AutoMLError, InvalidGenomeError, SearchSpaceError


class ConfigError(AutoMLError, ValueError):
    """A config file that is missing, unreadable, or breaks the schema."""


class DataError(AutoMLError, ValueError):
    """A dataset that cannot be loaded or split as configured."""


class RunDirectoryError(AutoMLError, ValueError):
    """A run directory that cannot be used as asked (it already holds trials, or is missing)."""


__all__ = [
    "AutoMLError",
    "ConfigError",
    "DataError",
    "EvaluationError",
    "InvalidGenomeError",
    "RunDirectoryError",
    "SearchSpaceError",
]
