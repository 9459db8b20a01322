"""Export one trained network as the DESIGN.md export contract lists: standalone source,
weights, a ``torch.export`` program, the genome, its metrics, and ONNX where the onnx extra is
installed. Every file that computes is loaded back as a user would load it and checked against
the trained network before anything is kept: the files are written to a temporary folder
first and copied into the export directory only once every check passes."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from automl.atomic import atomic_path
from automl.data import load_dataset
from automl.errors import ConfigError, ExportCheckError, storage_errors
from automl.export.quantize import QuantizationError, calibration_set, measure, quantize_int8
from automl.run.finished import FinishedRun
from automl.run.retrain import summarize
from automl.run.store import TrialRecord
from evaluators import (
    MissingDependencyError,
    as_model_input,
    export_onnx,
    export_program,
    onnx_missing,
    onnx_session,
)
from genomes import Genome, GraphModule, generate_source, genome_to_graph

_CHECK_BATCH = 4
_TOLERANCE = 1e-5


def export_member(
    run: FinishedRun, record: TrialRecord, out_dir: Path, quantize: str = "none"
) -> list[Path]:
    """Write the export files of ``record`` into ``out_dir``; returns the paths written. A
    file that does not compute what the trained network computes raises ExportCheckError
    and leaves ``out_dir`` as it was (not even created). ``quantize="int8"`` adds
    ``model.int8.onnx`` (``quantize.py``) and its measurements to ``metrics.json``."""
    if quantize not in QUANTIZE:
        raise ConfigError(f"quantize: {quantize!r} is not one of {', '.join(QUANTIZE)}")
    if quantize == "int8" and onnx_missing():
        raise MissingDependencyError(
            "--quantize int8 needs ONNX and ONNX Runtime: pip install 'automl-evo[onnx]'"
        )
    trained = run.load_model(record, retrained=run.ships_retrained(record.trial_id))
    inputs = _check_inputs(trained, run.input_shape)
    with torch.inference_mode():
        expected = trained(inputs)
    check = _Check(inputs, expected, f"export of trial {record.trial_id} into {out_dir}")
    with (
        storage_errors(
            f"the export into {out_dir}", "the run is unchanged: free space, then retry"
        ),
        tempfile.TemporaryDirectory(prefix="automl-export-") as folder,
    ):
        staged = _stage(Path(folder), run, record, trained, check, quantize)
        out_dir.mkdir(parents=True, exist_ok=True)
        return [_keep(path, out_dir) for path in staged]


def _stage(
    folder: Path,
    run: FinishedRun,
    record: TrialRecord,
    trained: GraphModule,
    check: _Check,
    quantize: str,
) -> list[Path]:
    """Write every export file into ``folder``, checking each file that computes as soon as
    it is written. The programs are traced from the generated module loaded from its file,
    so that they are what a user of ``model.py`` runs."""
    genome = Genome.from_json(record.genome)
    model_py, program = folder / "model.py", folder / "model.pt2"
    model_py.write_text(generate_source(genome_to_graph(genome, run.problem)), encoding="utf-8")
    torch.save(trained.state_dict(), folder / "weights.pt")
    standalone = _load_standalone(model_py)
    check("model.py with weights.pt", standalone)
    torch.export.save(export_program(standalone, check.inputs), program)
    check("model.pt2", torch.export.load(program).module())
    written = [model_py, folder / "weights.pt", program]
    metrics = _metrics(run, record)
    if _onnx_installed():
        onnx = folder / "model.onnx"
        export_onnx(standalone, check.inputs, onnx)
        if "onnxruntime" not in onnx_missing():  # else kept unchecked
            check("model.onnx in onnxruntime", _onnx_runner(onnx))
        written.append(onnx)
        if quantize == "int8":
            metrics["int8"] = _quantized(run, onnx, folder / "model.int8.onnx")
            if "error" not in metrics["int8"]:
                written.append(folder / "model.int8.onnx")
    for name, content in (("genome.json", genome.to_dict()), ("metrics.json", metrics)):
        (folder / name).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
        written.append(folder / name)
    return written


QUANTIZE = ("none", "int8")


def _quantized(run: FinishedRun, fp32: Path, int8: Path) -> dict[str, object]:
    """Quantise ``fp32`` into ``int8``, calibrated on samples of the training split, and
    measure both on the test split and at the run's latency setting; a quantisation that
    fails is reported (the fp32 files stay as they are)."""
    splits = load_dataset(run.config.dataset)
    calibration = calibration_set(splits.x_train)
    try:
        quantize_int8(fp32, int8, calibration)
    except QuantizationError as exc:
        return {"error": f"int8 quantisation failed, the fp32 export is kept: {exc}"}
    x, y = as_model_input(splits.x_test).numpy(), splits.y_test.numpy()
    setting = run.config.latency
    sizes = (setting.batch_size, setting.threads)
    before, after = measure(fp32, x, y, *sizes), measure(int8, x, y, *sizes)
    return {
        "fp32": dataclasses.asdict(before),
        "int8": dataclasses.asdict(after),
        "accuracy_change": after.test_accuracy - before.test_accuracy,
        "latency_ratio": after.latency_ms / before.latency_ms,
        "calibration_samples": len(calibration),
        "runtime": "onnxruntime, CPU, intra-op threads = latency.threads",
    }


@dataclass(frozen=True)
class _Check:
    """Runs a model loaded back from an export file on a few inputs and compares its outputs
    with the trained network's."""

    inputs: torch.Tensor
    expected: torch.Tensor
    what: str

    def __call__(self, label: str, model: Callable[[torch.Tensor], torch.Tensor]) -> None:
        with torch.inference_mode():
            difference = (model(self.inputs) - self.expected).abs().max().item()
        if not difference <= _TOLERANCE:  # NaN fails too
            raise ExportCheckError(
                f"{self.what}: {label} differs from the trained network by {difference:.3g} "
                f"on {len(self.inputs)} check inputs (allowed: at most {_TOLERANCE:g}); "
                "nothing was written"
            )


def _check_inputs(trained: GraphModule, input_shape: tuple[int, ...]) -> torch.Tensor:
    """A small batch on the data's own scale without the data: drawn around the training
    split's statistics that the network keeps in its ``normalize`` layer (images clipped to
    [0, 1], as the reader yields them), so that a table with large raw features is checked
    where the network is used."""
    norm = trained.get_submodule("normalize")
    noise = torch.randn(_CHECK_BATCH, *input_shape, generator=torch.Generator().manual_seed(0))
    inputs = norm.mean + norm.std * noise
    return inputs.clamp(0.0, 1.0) if len(input_shape) == 3 else inputs


def _load_standalone(model_py: Path) -> torch.nn.Module:
    """``model.py`` and ``weights.pt`` beside it, imported and loaded as the user will."""
    spec = importlib.util.spec_from_file_location("automl_exported_model", model_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Model()
    model.load_state_dict(torch.load(model_py.with_name("weights.pt"), weights_only=True))
    return model.eval()


def _onnx_runner(path: Path) -> Callable[[torch.Tensor], torch.Tensor]:
    session = onnx_session(path, threads=1)

    def run(inputs: torch.Tensor) -> torch.Tensor:
        (logits,) = session.run(None, {"x": inputs.numpy()})
        return torch.from_numpy(logits)

    return run


def _onnx_installed() -> bool:
    """What writing model.onnx needs; checking it in ONNX Runtime needs onnxruntime too."""
    return not {"onnx", "onnxscript"} & set(onnx_missing())


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
        "weight_bytes": record.weight_bytes,
        "epochs": record.epochs,
        **_weights(run, record),
        "input_shape": list(run.input_shape),
        "num_classes": len(run.classes),
        "classes": list(run.classes),
        "input": {
            3: "images as floats in [0, 1], N x C x H x W",
            2: "signals as raw values, N x C x L (channels x steps)",
        }.get(len(run.input_shape), "raw feature values, N x F"),
    }


def _weights(run: FinishedRun, record: TrialRecord) -> dict[str, object]:
    """Which weights ship: the search's, or seed 0's of final training with the test
    accuracy over every retrained seed (``test_accuracy`` above stays the search's)."""
    if not run.ships_retrained(record.trial_id):
        return {"weights": "search"}
    (summary,) = summarize(run.retrained, [record.trial_id])
    return {
        "weights": "retrained",
        "retrained": {
            "seeds": summary.seeds,
            "epochs": summary.epochs,
            "test_accuracy_shipped_seed": summary.first_seed,
            "test_accuracy_mean": summary.mean,
            "test_accuracy_sd": summary.sd,
        },
    }


def _keep(staged: Path, out_dir: Path) -> Path:
    path = out_dir / staged.name
    with atomic_path(path) as partial:
        shutil.copyfile(staged, partial)
    return path
