"""Class labels of tables and arrays: any values, mapped to indices in a stable order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from automl.errors import DataError


def encode_labels(
    values: Sequence[object], test_values: Sequence[object] | None = None, source: str = ""
) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """Integer labels and class names. Classes are sorted numerically when every label is a
    number (so integer labels 0..K-1 keep their meaning), else as text. Test labels must be
    classes the training labels have."""
    names = sorted({_text(v) for v in values}, key=_order_key)
    index = {name: i for i, name in enumerate(names)}
    y = np.fromiter((index[_text(v)] for v in values), dtype=np.int64, count=len(values))
    if test_values is None:
        return y, None, tuple(names)
    unknown = sorted({_text(v) for v in test_values} - index.keys(), key=_order_key)
    if unknown:
        raise DataError(
            f"{source}: test labels {unknown[:5]} are not among the training labels {names[:20]}"
        )
    y_test = np.fromiter(
        (index[_text(v)] for v in test_values), dtype=np.int64, count=len(test_values)
    )
    return y, y_test, tuple(names)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _order_key(name: str) -> tuple[int, float, str]:
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name)
