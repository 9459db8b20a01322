"""The command line, config, datasets, run store and outputs that wire the packages together."""

from automl.config import Config, load_config
from automl.data import DatasetSplits, load_dataset
from automl.errors import ConfigError, DataError, RunDirectoryError
from automl.store import RunStore, TrialRecord

__all__ = [
    "Config",
    "ConfigError",
    "DataError",
    "DatasetSplits",
    "RunDirectoryError",
    "RunStore",
    "TrialRecord",
    "load_config",
    "load_dataset",
]
