"""Tables: CSV files (a header row, numeric features, one label column) and NPZ archives
(arrays ``x`` and ``y``, optionally ``x_test`` and ``y_test``; ``x`` of N x F is a table,
N x H x W or N x C x H x W are images, uint8 or floats in [0, 1]; with ``dataset.layout:
signal`` N x C x L arrays and CSV rows are signals, see ``automl.data.layout``)."""

from __future__ import annotations

import csv
import math
import zipfile
from typing import TYPE_CHECKING

import numpy as np

from automl.data.labels import encode_labels
from automl.data.layout import arrange
from automl.data.readers import DatasetReader, location
from automl.data.splits import RawDataset
from automl.errors import DataError

if TYPE_CHECKING:
    from automl.config import DatasetConfig


def _read_csv(config: DatasetConfig) -> RawDataset:
    path = location(config)
    try:
        with path.open(newline="", encoding="utf-8") as file:
            reader = csv.reader(file)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise DataError(f"{path}: the file is empty; expected a header row and data rows")
            if config.label_column not in header:
                raise DataError(
                    f"{path}: no label column {config.label_column!r} (`dataset.label_column`);"
                    f" the header has {header}"
                )
            if len(header) < 2:
                raise DataError(f"{path}: no feature columns besides {config.label_column!r}")
            label_at = header.index(config.label_column)
            features, labels = [], []
            for row in reader:
                if not row:
                    continue  # a blank line
                if len(row) != len(header):
                    raise DataError(
                        f"{path}, line {reader.line_num}: {len(row)} fields, the header has "
                        f"{len(header)}"
                    )
                labels.append(row[label_at].strip())
                features.append(
                    [
                        _number(value, path, reader.line_num, header[i])
                        for i, value in enumerate(row)
                        if i != label_at
                    ]
                )
    except FileNotFoundError:
        raise DataError(f"`dataset.path` = {str(path)!r}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    if not features:
        raise DataError(f"{path}: a header but no data rows")
    if config.layout == "image":
        raise DataError(
            f"{path}: `dataset.layout` = 'image', but a CSV holds tables or signals; allowed: "
            "auto, table, signal"
        )
    y, _, classes = encode_labels(labels, source=str(path))
    x = arrange(np.array(features, dtype=np.float32), config.layout, config.channels, path, "x")
    return RawDataset(x, y, classes, str(path))


def _number(value: str, path: object, line: int, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise DataError(
            f"{path}, line {line}, column {column!r}: {value!r} is not a finite number; every "
            "column but the label column must be numeric"
        )
    return number


def _read_npz(config: DatasetConfig) -> RawDataset:
    path = location(config)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise DataError(f"`dataset.path` = {str(path)!r}: no such file") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable NPZ archive ({exc})") from None
    for name in ("x", "y"):
        if name not in arrays:
            raise DataError(f"{path}: no array {name!r}; the archive holds {sorted(arrays)}")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: `x_test` and `y_test` come together or not at all")
    x = _features(arrays["x"], config, path, "x")
    y = _labels(arrays["y"], len(x), path, "y")
    if "x_test" not in arrays:
        y_encoded, _, classes = encode_labels(y.tolist(), source=str(path))
        return RawDataset(x, y_encoded, classes, str(path))
    x_test = _features(arrays["x_test"], config, path, "x_test")
    if x_test.shape[1:] != x.shape[1:]:
        raise DataError(
            f"{path}: `x_test` samples have shape {list(x_test.shape[1:])}, `x` samples "
            f"{list(x.shape[1:])}"
        )
    y_test = _labels(arrays["y_test"], len(x_test), path, "y_test")
    y_encoded, y_test_encoded, classes = encode_labels(y.tolist(), y_test.tolist(), str(path))
    return RawDataset(x, y_encoded, classes, str(path), x_test, y_test_encoded)


def _features(x: np.ndarray, config: DatasetConfig, path: object, name: str) -> np.ndarray:
    x = arrange(x, config.layout, config.channels, path, name)  # numbers only
    if x.ndim == 4 and x.dtype == np.uint8:
        return x
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise DataError(f"{path}: `{name}` holds NaN or infinite values")
    if x.ndim == 4 and (x.min() < 0.0 or x.max() > 1.0):
        raise DataError(
            f"{path}: `{name}` images of dtype float must lie in [0, 1], found "
            f"{x.min():g}..{x.max():g}; store uint8 pixels (0..255) or scale them"
        )
    return x


def _labels(y: np.ndarray, count: int, path: object, name: str) -> np.ndarray:
    if y.ndim != 1 or len(y) != count:
        raise DataError(
            f"{path}: `{name}` must be one label per sample ({count}), found shape {list(y.shape)}"
        )
    return y


CSV = DatasetReader(_read_csv, "path", "a CSV file with a header row and a label column")
NPZ = DatasetReader(_read_npz, "path", "an NPZ archive with arrays x and y")
