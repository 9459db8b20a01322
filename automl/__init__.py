"""The command line, config, datasets, run store and outputs that wire the packages together.

Names are imported on first use (PEP 562) so that ``automl --help`` does not pay for torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "search": "automl.api",
    "open_run": "automl.api",
    "Run": "automl.api",
    "Config": "automl.config",
    "load_config": "automl.config",
    "ConfigError": "automl.errors",
    "DataError": "automl.errors",
    "RunDirectoryError": "automl.errors",
    "DatasetSplits": "automl.data",
    "load_dataset": "automl.data",
    "RunStore": "automl.run.store",
    "TrialRecord": "automl.run.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'automl' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
