"""The int8 forms of a study's front members: each member's ONNX model quantised once, as
``automl export --quantize int8`` quantises it (ONNX Runtime's ``quantize_static``, calibrated
on the same samples of the training split), its accuracy after quantisation measured on the
validation split (which picks use) and the test split; sessions are made per thread count."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from automl.data import load_dataset
from automl.export.quantize import (
    QuantizationError,
    calibration_set,
    quantize_int8,
    session_accuracy,
)
from automl.run.finished import FinishedRun
from evaluators import as_model_input, export_onnx, onnx_session


@dataclass(frozen=True, slots=True)
class Int8Member:
    onnx: bytes
    val_accuracy: float
    test_accuracy: float
    file_bytes: int

    def runner(self, threads: int) -> Callable[[torch.Tensor], object]:
        """The quantised network as ONNX Runtime runs it, on input tensors."""
        session = onnx_session(self.onnx, threads)
        return lambda x: session.run(None, {"x": x.numpy()})


def quantize_front(
    run: FinishedRun, models: dict[int, nn.Module], say: Callable[[str], None]
) -> dict[int, Int8Member]:
    """Every front member that quantises; one that does not is left out, with a note."""
    splits = load_dataset(run.config.dataset)
    calibration = calibration_set(splits.x_train)
    val = as_model_input(splits.x_val).numpy(), splits.y_val.numpy()
    test = as_model_input(splits.x_test).numpy(), splits.y_test.numpy()
    members = {}
    for trial_id, model in models.items():
        with tempfile.TemporaryDirectory(prefix="automl-study-int8-") as folder:
            fp32, int8 = Path(folder) / "model.onnx", Path(folder) / "model.int8.onnx"
            export_onnx(model.for_inference(), torch.from_numpy(calibration[:2]), fp32)
            try:
                quantize_int8(fp32, int8, calibration)
            except QuantizationError as exc:
                say(f"int8: trial {trial_id} left out, its quantisation failed: {exc}")
                continue
            session = onnx_session(int8, 1)
            members[trial_id] = Int8Member(
                int8.read_bytes(),
                session_accuracy(session, *val),
                session_accuracy(session, *test),
                int8.stat().st_size,
            )
        say(f"int8: trial {trial_id} quantised ({members[trial_id].file_bytes:,} bytes)")
    return members
