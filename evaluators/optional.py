"""Optional dependencies, imported on first use with an error that names the extra."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from genomes import AutoMLError


class MissingDependencyError(AutoMLError, ImportError):
    """An optional package that the chosen feature needs is not installed."""


def import_optional(module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"Tried to import {module!r} but failed ({exc}). Please make sure that the package "
            f"is installed: pip install 'automl-evo[{extra}]'"
        ) from None


ONNX_MODULES = ("onnx", "onnxscript", "onnxruntime")
"""What ONNX export and ONNX Runtime latency need: the ``onnx`` extra."""


def onnx_missing() -> list[str]:
    """The modules of the onnx extra that are not installed (found without importing)."""
    return [name for name in ONNX_MODULES if importlib.util.find_spec(name) is None]
