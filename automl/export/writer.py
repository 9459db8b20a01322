"""Export one trained network as the DESIGN.md export contract lists: standalone source,
weights, a ``torch.export`` program, the genome, its metrics, and ONNX where the onnx extra is
installed. The standalone model is checked against the trained one before anything is kept."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path

import torch

from automl.errors import storage_errors
from automl.run.finished import FinishedRun
from automl.run.store import TrialRecord
from genomes import Genome, generate_source, genome_to_graph

_CHECK_BATCH = 4
_TOLERANCE = 1e-5


def export_member(run: FinishedRun, record: TrialRecord, out_dir: Path) -> list[Path]:
    """Write the export files of ``record`` into ``out_dir``; returns the paths written."""
    genome = Genome.from_json(record.genome)
    trained = run.load_model(record)
    source = generate_source(genome_to_graph(genome, run.problem))
    standalone = _standalone(source, trained.state_dict())
    example = torch.rand(_CHECK_BATCH, *run.input_shape, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        difference = (standalone(example) - trained(example)).abs().max().item()
    if difference > _TOLERANCE:
        raise RuntimeError(f"generated model.py differs from the trained network by {difference}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        _write_text(out_dir / "model.py", source),
        _save(out_dir / "weights.pt", lambda path: torch.save(standalone.state_dict(), path)),
        _save(out_dir / "model.pt2", lambda path: _export_program(standalone, example, path)),
        _write_text(out_dir / "genome.json", json.dumps(genome.to_dict(), indent=2) + "\n"),
        _write_text(out_dir / "metrics.json", json.dumps(_metrics(run, record), indent=2) + "\n"),
    ]
    if _onnx_installed():
        written.append(
            _save(out_dir / "model.onnx", lambda p: _export_onnx(standalone, example, p))
        )
    return written


def _standalone(source: str, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """Import the generated source as the user will, from a file, and load the weights."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("automl_exported_model", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    model = module.Model()
    model.load_state_dict(state)
    return model.eval()


def _batch_dimension() -> dict[str, dict[int, object]]:
    return {"x": {0: torch.export.Dim("batch", min=1, max=1 << 16)}}


def _export_program(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    program = torch.export.export(model, (example,), dynamic_shapes=_batch_dimension())
    torch.export.save(program, path)


def _onnx_installed() -> bool:
    return all(importlib.util.find_spec(name) for name in ("onnx", "onnxscript"))


def _export_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    program = torch.onnx.export(
        model,
        (example,),
        dynamo=True,
        dynamic_shapes=_batch_dimension(),
        input_names=["x"],
        output_names=["logits"],
        verbose=False,
    )
    program.save(str(path), external_data=False)


def _metrics(run: FinishedRun, record: TrialRecord) -> dict[str, object]:
    latency = run.config.latency
    return {
        "trial_id": record.trial_id,
        "val_accuracy": record.val_accuracy,
        "test_accuracy": record.test_accuracy,
        "latency_ms": record.latency_ms,
        "latency_setting": {
            "device": latency.device,
            "batch_size": latency.batch_size,
            "threads": latency.threads,
        },
        "params": record.params,
        "flops": record.flops,
        "epochs": record.epochs,
        "input_shape": list(run.input_shape),
        "num_classes": len(run.classes),
        "classes": list(run.classes),
        "input": "images as floats in [0, 1], N x C x H x W"
        if len(run.input_shape) == 3
        else "raw feature values, N x F",
    }


def _write_text(path: Path, text: str) -> Path:
    return _save(path, lambda partial: partial.write_text(text, encoding="utf-8"))


def _save(path: Path, write) -> Path:  # noqa: ANN001 - a callable taking the partial path
    """Write through a partial file, so an interrupted export never leaves a half file."""
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")  # keeps the suffix readers want
    try:
        with storage_errors(str(path)):
            write(partial)
            partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
