"""Post-training static int8 quantisation of an exported ONNX model with ONNX Runtime's tools
(``quantize_static``: QDQ format, int8 weights per output channel, uint8 activations, min-max
calibration on samples of the training split), and the measurements that decide whether to
ship it: test accuracy, latency and file size beside the fp32 model's, both in ONNX Runtime.

ONNX Runtime rather than PyTorch's PT2E flow: its int8 kernels are what an ONNX deployment
runs, and the quantised file is one more ONNX model that any ONNX runtime loads."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from evaluators import as_model_input, onnx_session

if TYPE_CHECKING:
    import torch

CALIBRATION_SAMPLES = 256
CALIBRATION_BATCH = 32
_TIMED_BLOCKS = 15
_BLOCK_SECONDS = 0.01


class QuantizationError(Exception):
    """Quantisation or calibration failed; the message names what ONNX Runtime refused."""


@dataclass(frozen=True, slots=True)
class RuntimeMeasurement:
    """One ONNX file measured in ONNX Runtime on the test split and at the latency setting."""

    test_accuracy: float
    latency_ms: float
    """Median per call of ``batch_size`` inputs, one session with ``threads`` intra-op
    threads and sequential execution; no drift correction (the two files are timed back to
    back, so their ratio is what compares)."""
    file_bytes: int


def calibration_set(x_train: torch.Tensor) -> np.ndarray:
    """``CALIBRATION_SAMPLES`` model inputs of the training split, drawn with a fixed seed."""
    train = as_model_input(x_train).numpy()
    picked = np.random.default_rng(0).permutation(len(train))[:CALIBRATION_SAMPLES]
    return train[np.sort(picked)]


def session_accuracy(session, x: np.ndarray, y: np.ndarray) -> float:  # noqa: ANN001
    """Accuracy of an ONNX Runtime session on model inputs ``x`` and labels ``y``."""
    predictions = np.concatenate(
        [session.run(None, {"x": x[i : i + 1024]})[0].argmax(1) for i in range(0, len(x), 1024)]
    )
    return float((predictions == y).mean())


def quantize_int8(fp32: Path, int8: Path, calibration: np.ndarray) -> None:
    """Write ``int8`` from ``fp32``, calibrated on ``calibration`` (model inputs, N x ...)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # as onnx_session: nothing in ~/.cache
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            starts = range(0, len(calibration), CALIBRATION_BATCH)
            self._batches = iter([{"x": calibration[i : i + CALIBRATION_BATCH]} for i in starts])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._batches, None)

    with tempfile.TemporaryDirectory(prefix="automl-int8-") as folder:
        prepared = Path(folder) / "prepared.onnx"
        try:
            quant_pre_process(str(fp32), str(prepared))
            quantize_static(
                str(prepared),
                str(int8),
                Batches(),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
            )
        except Exception as exc:  # noqa: BLE001 - any refusal of the tools is reported whole
            raise QuantizationError(f"{type(exc).__name__}: {exc}") from None


def measure(
    path: Path, x: np.ndarray, y: np.ndarray, batch_size: int, threads: int
) -> RuntimeMeasurement:
    """Test accuracy of ``path`` on ``(x, y)`` and its latency per call of ``batch_size``."""
    session = onnx_session(path, threads)
    batch = {"x": np.ascontiguousarray(np.resize(x, (batch_size, *x.shape[1:])))}
    return RuntimeMeasurement(
        test_accuracy=session_accuracy(session, x, y),
        latency_ms=_latency_ms(lambda: session.run(None, batch)),
        file_bytes=path.stat().st_size,
    )


def _latency_ms(call: Callable[[], object]) -> float:
    """Median per call over timed blocks of about ``_BLOCK_SECONDS``, after a warm-up."""
    for _ in range(20):
        call()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < _BLOCK_SECONDS:
        call()
        calls += 1
    blocks = []
    for _ in range(_TIMED_BLOCKS):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        blocks.append((time.perf_counter() - start) / calls)
    return 1000 * statistics.median(blocks)
