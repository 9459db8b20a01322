"""``dataset.layout``: whether a CSV's or NPZ's samples are table rows, images or signals.

``auto`` keeps the readers' own rules (N x F is a table, N x H x W and N x C x H x W are
images). ``signal`` reads N x C x L arrays as C channels of L steps (audio, vibration,
accelerometer, ECG), and N x F tables as ``dataset.channels`` channels of F / C steps each,
channel after channel along a row. The image readers yield images only."""

from __future__ import annotations

import numpy as np

from automl.errors import DataError

LAYOUTS = ("auto", "table", "image", "signal")
_SHAPES = {"table": "N x F", "image": "N x H x W or N x C x H x W", "signal": "N x C x L"}


def arrange(
    x: np.ndarray, layout: str, channels: int | None, source: object, name: str
) -> np.ndarray:
    """Features ``x`` (dims N x ...) in ``layout``: a table N x F, images N x C x H x W (uint8
    kept), signals N x C x L (float32); anything but numbers is refused."""
    kind = layout if layout != "auto" else {2: "table", 3: "image", 4: "image"}.get(x.ndim)
    fits = {"table": x.ndim == 2, "image": x.ndim in (3, 4), "signal": x.ndim in (2, 3)}
    if kind is None or not fits[kind] or x.shape[0] == 0:
        raise DataError(
            f"{source}: `{name}` has shape {list(x.shape)}, which `dataset.layout` = {layout!r}"
            f" cannot read; allowed: {_allowed(layout)}, with N > 0"
        )
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise DataError(f"{source}: `{name}` has dtype {x.dtype}; allowed: numbers")
    if kind == "image":
        return x[:, None] if x.ndim == 3 else x
    if kind == "signal" and x.ndim == 3 and channels not in (None, x.shape[1]):
        raise DataError(
            f"{source}: `dataset.channels` = {channels}, but `{name}` holds {x.shape[1]} "
            f"channels (shape {list(x.shape)}); allowed: {x.shape[1]}, or leave it out"
        )
    if kind == "signal" and x.ndim == 2:
        count = channels or 1
        if x.shape[1] % count:
            raise DataError(
                f"{source}: {x.shape[1]} features per sample do not split into "
                f"`dataset.channels` = {count} channels of equal length; allowed: a divisor "
                f"of {x.shape[1]}"
            )
        return x.reshape(len(x), count, x.shape[1] // count).astype(np.float32)
    return x


def check_layout(x: np.ndarray, layout: str, dataset: str) -> None:
    """A reader that decides its own layout (the image readers) must agree with the config."""
    kind = {2: "table", 3: "signal", 4: "image"}[x.ndim]
    if layout not in ("auto", kind):
        raise DataError(
            f"`dataset.layout` = {layout!r} does not fit dataset {dataset!r}, whose samples are "
            f"{kind}s of shape {list(x.shape[1:])}; allowed: auto, {kind}"
        )


def _allowed(layout: str) -> str:
    if layout == "auto":
        return f"{_SHAPES['table']} (a table) or {_SHAPES['image']} (images)"
    if layout == "signal":
        return f"{_SHAPES['signal']}, or N x F with dataset.channels"
    return _SHAPES[layout]
