"""Latency in the runtime that ships the network: each runtime computes what the eager
network computes and is timed; an unknown runtime, ONNX Runtime off the CPU or without its
extra is refused in one line, in a study and in a config."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from automl.config import validate_config
from automl.errors import ConfigError
from evaluators import (
    RUNTIMES,
    DeviceError,
    LatencySettings,
    MissingDependencyError,
    check_runtime,
    deployed,
    measure_latency,
    onnx_missing,
)
from genomes import GraphModule, Problem, SearchSpace, genome_to_graph, sample_genome
from tests.genomes.test_blocks import every_block_genome

PROBLEM = Problem((1, 8, 8), 10)
SIGNAL = Problem((2, 24), 10)


def _network(family: str) -> GraphModule:
    """A sampled MLP or CNN, or a CNN (``blocks``) or 1-D CNN (``cnn1d``, on signals) with
    every block type and SE."""
    if family in ("blocks", "cnn1d"):
        genome = every_block_genome("cnn" if family == "blocks" else family)
        problem = PROBLEM if family == "blocks" else SIGNAL
        return GraphModule(genome_to_graph(genome, problem)).for_inference()
    space = SearchSpace(families=(family,), depth=(1, 2), width=(8, 32))
    genome = sample_genome(space, PROBLEM, np.random.default_rng(3))
    return GraphModule(genome_to_graph(genome, PROBLEM)).for_inference()


@pytest.mark.parametrize("family", ["mlp", "cnn", "blocks", "cnn1d"])
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_each_runtime_computes_what_the_network_computes(runtime: str, family: str) -> None:
    if runtime == "onnxruntime" and onnx_missing():
        pytest.skip(f"the onnx extra is not installed ({onnx_missing()})")
    model = _network(family)
    x = torch.rand(2, *(SIGNAL if family == "cnn1d" else PROBLEM).input_shape)
    run = deployed(model, runtime, x, threads=1)
    output = run(x)
    output = torch.as_tensor(output[0] if isinstance(output, list) else output)
    with torch.inference_mode():
        expected = model(x)
    difference = (output - expected).abs().max().item()
    assert difference <= 1e-5, f"{runtime} differs from eager by {difference:.3g}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_latency_is_timed_in_the_runtime(runtime: str) -> None:
    if runtime == "onnxruntime" and onnx_missing():
        pytest.skip(f"the onnx extra is not installed ({onnx_missing()})")
    settings = LatencySettings(batch_size=2, warmup_calls=3, blocks=3, runtime=runtime)
    stats = measure_latency(_network("mlp"), PROBLEM.input_shape, settings)
    assert 0 < stats.latency_ms < 1000, f"{runtime}: latency {stats.latency_ms} ms"


def test_unusable_runtimes_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DeviceError, match="'tflite' is not a runtime; allowed: eager"):
        check_runtime("tflite", "cpu", "--runtimes")
    with pytest.raises(DeviceError, match="onnxruntime times on the CPU, not on cuda:0"):
        check_runtime("onnxruntime", "cuda:0", "--runtimes")
    monkeypatch.setattr("evaluators.runtimes.onnx_missing", lambda: ["onnxruntime"])
    with pytest.raises(MissingDependencyError, match=r"pip install 'automl-evo\[onnx\]'"):
        check_runtime("onnxruntime", "cpu", "--runtimes")


def test_the_config_passes_its_runtime_to_the_workers_or_refuses_it(monkeypatch) -> None:
    if not onnx_missing():
        config = validate_config({"latency": {"runtime": "onnxruntime"}}, "c.yaml")
        assert config.evaluation_settings().latency.runtime == "onnxruntime"
    with pytest.raises(ConfigError, match="device must be cpu, not cuda:0"):
        validate_config({"latency": {"runtime": "onnxruntime", "device": "cuda:0"}}, "c.yaml")
    monkeypatch.setattr("automl.config.onnx_missing", lambda: ["onnxscript"])
    with pytest.raises(ConfigError, match="needs onnxscript"):
        validate_config({"latency": {"runtime": "onnxruntime"}}, "c.yaml")
