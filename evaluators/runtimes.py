"""The runtimes a network ships in, for latency (``latency.runtime``) and export: eager
PyTorch, the ``torch.export`` program, or the ONNX model in ONNX Runtime on the CPU. Their
latencies rank architectures differently (ONNX Runtime fuses operators and has no Python
dispatch per layer), so a search should time the network in the runtime that will run it.

Converting costs once per architecture (in ONNX Runtime about 0.8 s for the export, 3 s for
the first one in a process), which latency's per-architecture cache pays once per worker."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from evaluators.devices import DeviceError
from evaluators.optional import MissingDependencyError, onnx_missing

RUNTIMES = ("eager", "exported", "onnxruntime")


def batch_dimension() -> dict[str, dict[int, object]]:
    """A dynamic batch size for exported programs, named as the ONNX input ``x``."""
    return {"x": {0: torch.export.Dim("batch", min=1, max=1 << 16)}}


def export_program(
    model: nn.Module, example: torch.Tensor, dynamic: bool = True
) -> torch.export.ExportedProgram:
    """The ``torch.export`` program; ``dynamic`` leaves the batch size free (an export to
    ship), else it is the example's (a program timed at one batch size, which may be 1)."""
    shapes = batch_dimension() if dynamic else None
    return torch.export.export(model, (example,), dynamic_shapes=shapes)


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path, dynamic: bool = True) -> None:
    """One ONNX file (input ``x``, output ``logits``), weights inside; ``dynamic`` as for
    ``export_program``."""
    program = torch.onnx.export(
        model,
        (example,),
        dynamo=True,
        dynamic_shapes=batch_dimension() if dynamic else None,
        input_names=["x"],
        output_names=["logits"],
        verbose=False,
    )
    program.save(str(path), external_data=False)


def onnx_session(path: Path | bytes, threads: int):  # noqa: ANN201 - onnxruntime.InferenceSession
    """An ONNX Runtime CPU session with ``threads`` intra-op threads, run sequentially."""
    # ONNX Runtime's telemetry writes a device id under ~/.cache and a file in the temp
    # directory at import unless told not to; nothing may be written outside a run
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    source = path if isinstance(path, bytes) else str(path)
    return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def deployed(
    model: nn.Module, runtime: str, example: torch.Tensor, threads: int
) -> Callable[[torch.Tensor], object]:
    """``model`` (in eval mode, as deployed) as ``runtime`` runs it: a callable on input
    tensors like ``example``. ONNX Runtime receives them as NumPy arrays (no copy on the
    CPU)."""
    if runtime == "eager":
        return model
    if runtime == "exported":
        return export_program(model, example, dynamic=False).module()
    if runtime != "onnxruntime":
        raise ValueError(f"latency.runtime: {runtime!r} is not one of {', '.join(RUNTIMES)}")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="automl-ort-") as folder:
        path = Path(folder) / "model.onnx"
        export_onnx(model, example, path, dynamic=False)
        session = onnx_session(path.read_bytes(), threads)

    def run(x: torch.Tensor) -> object:
        return session.run(None, {"x": x.numpy()})

    return run


def check_runtime(runtime: str, device: str, where: str) -> None:
    """Refuse, with one line naming ``where``, a runtime that is unknown, or ONNX Runtime off
    the CPU or without the onnx extra."""
    if runtime not in RUNTIMES:
        raise DeviceError(f"{where}: {runtime!r} is not a runtime; allowed: {', '.join(RUNTIMES)}")
    if runtime != "onnxruntime":
        return
    if device != "cpu":
        raise DeviceError(f"{where}: onnxruntime times on the CPU, not on {device}")
    missing = onnx_missing()
    if missing:
        raise MissingDependencyError(
            f"{where}: onnxruntime needs {', '.join(missing)}: pip install 'automl-evo[onnx]'"
        )
