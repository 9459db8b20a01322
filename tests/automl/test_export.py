"""Export: the exported files work in a Python that has torch but not this project, and give
the trained network's outputs and accuracy."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from automl.cli import main
from automl.data import load_dataset
from automl.errors import ExportCheckError
from automl.export import writer
from automl.export.picking import knee
from automl.export.writer import export_member
from automl.run.finished import open_run
from evaluators import as_model_input
from tests.cli import automl, automl_refusal

# Runs with -I -S: no site-packages, no project; the test adds the export folder and the
# folder that holds torch, and nothing else.
ISOLATED_CHECK = r"""
import importlib, json, os, sys
export_dir, packages, io_path = sys.argv[1:4]
sys.path[:0] = [export_dir, packages]
for name in ("automl", "genomes", "evaluators", "search"):
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    raise SystemExit(f"the project's package {name} is importable: the check is not isolated")
import torch
from model import Model
io = torch.load(io_path, weights_only=True)
model = Model()
model.load_state_dict(torch.load(f"{export_dir}/weights.pt", weights_only=True))
model.eval()
with torch.inference_mode():
    eager = model(io["x"])
    program = torch.export.load(f"{export_dir}/model.pt2").module()(io["x"])
report = {
    "eager_diff": (eager - io["logits"]).abs().max().item(),
    "program_diff": (program - io["logits"]).abs().max().item(),
    "accuracy": int((eager.argmax(1) == io["y"]).sum()) / len(io["y"]),
}
try:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # no device id written under ~/.cache
    import onnxruntime
except ImportError:
    report["onnx_diff"] = None
else:
    session = onnxruntime.InferenceSession(f"{export_dir}/model.onnx")
    (onnx_logits,) = session.run(None, {"x": io["x"].numpy()})
    report["onnx_diff"] = float(abs(torch.from_numpy(onnx_logits) - io["logits"]).max())
print(json.dumps(report))
"""


def check_in_a_bare_interpreter(
    out: Path, x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor
) -> dict[str, float | None]:
    """Run ISOLATED_CHECK on the export in ``out`` with inputs ``x``, labels ``y`` and the
    trained network's ``logits``; what it measured."""
    with tempfile.TemporaryDirectory() as folder:
        io_path = Path(folder) / "io.pt"
        torch.save({"x": x, "y": y, "logits": logits}, io_path)
        packages = str(Path(torch.__file__).resolve().parents[1])
        check = subprocess.run(
            [sys.executable, "-I", "-S", "-c", ISOLATED_CHECK, str(out), packages, str(io_path)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=folder,
        )
    assert check.returncode == 0, f"the isolated import failed: {check.stderr[-3000:]}"
    return json.loads(check.stdout.strip().splitlines()[-1])


def test_exported_model_runs_without_the_project_and_matches_the_trained_one(
    finished_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    proc = automl("export", str(finished_run), "--pick", "accuracy", "--out", str(out))
    assert proc.returncode == 0, f"export failed: {proc.stderr[-2000:]}"
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("val_accuracy", "test_accuracy", "latency_ms", "params", "flops", "input_shape"):
        assert metrics.get(key) is not None, f"metrics.json lacks {key}"
    run = open_run(finished_run)
    assert metrics["trial_id"] == max(run.front, key=lambda r: r.val_accuracy).trial_id
    assert metrics["num_classes"] == 10 and metrics["classes"] == list(run.classes)
    genome = json.loads((out / "genome.json").read_text())
    assert json.loads(run.trial(metrics["trial_id"]).genome) == genome, "genome.json differs"

    splits = load_dataset(run.config.dataset)
    x = as_model_input(splits.x_test)
    with torch.inference_mode():
        logits = run.load_model(run.trial(metrics["trial_id"]))(x)
    report = check_in_a_bare_interpreter(out, x, splits.y_test, logits)
    assert report["eager_diff"] <= 1e-5, f"model.py + weights.pt differ by {report['eager_diff']}"
    assert report["program_diff"] <= 1e-5, f"model.pt2 differs by {report['program_diff']}"
    assert report["accuracy"] == metrics["test_accuracy"], (
        f"exported model's test accuracy {report['accuracy']} != metrics.json "
        f"{metrics['test_accuracy']}"
    )
    if importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnxruntime not installed: model.onnx not checked")
    assert (out / "model.onnx").is_file(), "onnx extra installed but no model.onnx written"
    assert report["onnx_diff"] <= 1e-5, f"model.onnx differs by {report['onnx_diff']}"


def test_knee_pick_and_latency_budget(finished_run: Path, tmp_path: Path) -> None:
    from automl.api import Run
    from automl.errors import RunDirectoryError

    run = open_run(finished_run)
    proc = automl("export", str(finished_run), "--pick", "knee", "--out", str(tmp_path / "k"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    chosen = json.loads((tmp_path / "k" / "metrics.json").read_text())["trial_id"]
    assert chosen == knee(run.front, "latency").trial_id
    # the latency budget through the Python API, which the command's --max-latency-ms calls
    slowest = max(run.front, key=lambda r: r.latency_ms)
    budget = slowest.latency_ms * 0.999
    within = [r for r in run.front if r.latency_ms <= budget]
    if not within:
        with pytest.raises(RunDirectoryError, match="no front member is that fast"):
            Run(finished_run).best(max_latency_ms=budget)
        return
    chosen = Run(finished_run).best(max_latency_ms=budget)
    assert chosen.latency_ms <= budget, "the pick ignores the latency budget"
    assert chosen.val_accuracy == max(r.val_accuracy for r in within)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["{missing}", "--pick", "knee"], "no such run directory"),
        (["{empty}", "--pick", "knee"], "not a run directory"),
        (["{run}", "--trial", "999"], "no such trial"),
        (["{run}", "--max-latency-ms", "1e-9"], "no front member is that fast"),
        (["{run}"], "either --trial ID or --pick"),
        (["{run}", "--pick", "knee", "--quantize", "int4"], "'int4' is not one of 'none', 'int8'"),
    ],
    ids=[
        "missing run",
        "empty directory",
        "unknown trial",
        "impossible budget",
        "no choice",
        "unknown quantisation",
    ],
)
def test_bad_export_input_is_one_line_and_exit_2(
    finished_run: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "empty").mkdir()
    paths = {"missing": tmp_path / "nowhere", "empty": tmp_path / "empty", "run": finished_run}
    args = [a.format(**paths) for a in args]
    out = tmp_path / "export"
    proc = automl_refusal("export", *args, "--out", str(out))
    assert proc.returncode == 2, f"{args}: exit {proc.returncode}, {proc.stderr[-500:]}"
    assert expected in proc.stderr, f"{args}: {expected!r} not in {proc.stderr!r}"
    assert not out.exists(), f"{args}: the export directory was written"


class _Shifted(torch.nn.Module):
    """A network whose outputs are off by 1e-3: what a broken exporter would ship."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) + 1e-3


def _break_model_py(monkeypatch: pytest.MonkeyPatch) -> None:
    original = writer.generate_source

    def shifted_source(graph: object) -> str:
        source = original(graph)
        broken = source.replace("        return h_", "        return 1e-3 + h_")
        assert broken != source, "the generated source has no return line to break"
        return broken

    monkeypatch.setattr(writer, "generate_source", shifted_source)


def _break_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    original = torch.save

    def shifted_save(state: object, path: object, *args: object, **kwargs: object) -> None:
        if Path(path).name == "weights.pt":
            state = {name: tensor + 1e-3 for name, tensor in state.items()}
        original(state, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", shifted_save)


def _break_exporter(name: str) -> Callable[[pytest.MonkeyPatch], None]:
    """Makes the writer's ``name`` (export_program or export_onnx) convert a shifted model."""

    def breaker(monkeypatch: pytest.MonkeyPatch) -> None:
        original = getattr(writer, name)
        monkeypatch.setattr(
            writer,
            name,
            lambda model, example, *rest: original(_Shifted(model).eval(), example, *rest),
        )

    return breaker


BREAKERS = {
    "model.py with weights.pt": _break_model_py,
    "weights.pt": _break_weights,
    "model.pt2": _break_exporter("export_program"),
    "model.onnx in onnxruntime": _break_exporter("export_onnx"),
}


@pytest.mark.parametrize("broken", BREAKERS)
def test_an_export_file_that_differs_is_refused_and_nothing_is_kept(
    finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    if "onnx" in broken and importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnxruntime not installed: model.onnx is not checked")
    run = open_run(finished_run)
    record = run.front[0]
    out = tmp_path / "new" / "export"
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "model.py").write_text("# an earlier export\n")
    before = set(Path(tempfile.gettempdir()).glob("automl-export-*"))
    BREAKERS[broken](monkeypatch)
    for target in (out, kept):
        with pytest.raises(ExportCheckError) as caught:
            export_member(run, record, target)
        message = str(caught.value)
        label = "model.py with weights.pt" if broken == "weights.pt" else broken
        for part in (f"trial {record.trial_id}", str(target), label, "1e-05"):
            assert part in message, f"the error does not name {part!r}: {message}"
    assert not out.exists() and not out.parent.exists(), "a failed export left a directory"
    assert [p.name for p in kept.iterdir()] == ["model.py"], "a failed export added files"
    assert (kept / "model.py").read_text() == "# an earlier export\n", "old export changed"
    leftovers = set(Path(tempfile.gettempdir()).glob("automl-export-*")) - before
    assert not leftovers, f"a failed export left its staging folder: {leftovers}"


def test_a_failed_check_is_one_line_and_exit_2(
    finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_exporter("export_program")(monkeypatch)
    out = tmp_path / "export"
    result = CliRunner().invoke(
        main, ["export", str(finished_run), "--pick", "knee", "--out", str(out)]
    )
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.output}"
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: export of trial"), result.output
    assert "model.pt2 differs from the trained network" in lines[0], result.output
    assert not out.exists(), "a refused export left its directory"


def test_an_int8_export_runs_in_onnxruntime_within_2_points_of_fp32(
    finished_run: Path, tmp_path: Path
) -> None:
    if importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnxruntime not installed: no int8 export")
    import numpy as np
    import onnxruntime

    from automl.api import Run

    out = tmp_path / "int8"
    written = Run(finished_run).export(out, pick="accuracy", quantize="int8")
    assert out / "model.int8.onnx" in written, f"no model.int8.onnx among {written}"
    int8 = json.loads((out / "metrics.json").read_text())["int8"]
    assert "error" not in int8, int8
    splits = load_dataset(open_run(finished_run).config.dataset)
    session = onnxruntime.InferenceSession(str(out / "model.int8.onnx"))
    (logits,) = session.run(None, {"x": as_model_input(splits.x_test).numpy()})
    accuracy = float((np.argmax(logits, 1) == splits.y_test.numpy()).mean())
    assert accuracy == pytest.approx(int8["int8"]["test_accuracy"]), (accuracy, int8)
    change = int8["int8"]["test_accuracy"] - int8["fp32"]["test_accuracy"]
    assert abs(change) <= 0.02, f"int8 changes test accuracy by {change:+.4f} (allowed 0.02)"
    for name in ("fp32", "int8"):
        file = out / ("model.onnx" if name == "fp32" else "model.int8.onnx")
        assert int8[name]["file_bytes"] == file.stat().st_size, f"{name} size is not the file's"
        assert int8[name]["latency_ms"] > 0, int8


def test_a_failed_quantisation_keeps_the_fp32_export_and_says_why(
    finished_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnxruntime not installed: no int8 export")
    from automl.api import Run
    from automl.export.quantize import QuantizationError

    def refuse(*_args: object) -> None:
        raise QuantizationError("NotImplemented: no int8 kernel for node Conv_3 (Conv)")

    monkeypatch.setattr(writer, "quantize_int8", refuse)
    out = tmp_path / "int8"
    written = {p.name for p in Run(finished_run).export(out, pick="accuracy", quantize="int8")}
    assert {"model.onnx", "model.py", "weights.pt"} <= written, written
    assert "model.int8.onnx" not in written and not (out / "model.int8.onnx").exists()
    error = json.loads((out / "metrics.json").read_text())["int8"]["error"]
    assert "fp32 export is kept" in error and "Conv_3 (Conv)" in error, error
