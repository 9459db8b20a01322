from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from genomes import GraphModule, Problem, generate_source, genome_to_graph, sample_genome
from tests.genomes.test_operators import SMALL_SPACE

CHECK = """
import sys, torch
sys.path.insert(0, sys.argv[1])
from model import Model
leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('genomes', 'automl', 'evaluators',
                                                              'search'))
assert not leaked, f"generated model imported project modules: {leaked}"
m = Model()
m.load_state_dict(torch.load(sys.argv[1] + '/weights.pt', weights_only=True))
m.eval()
x, expected = torch.load(sys.argv[1] + '/io.pt', weights_only=True)
with torch.no_grad():
    diff = (m(x) - expected).abs().max().item()
print(diff)
"""


@pytest.mark.parametrize(
    "seed, shape", [(0, (30,)), (1, (1, 8, 8)), (2, (3, 32, 32)), (3, (1, 28, 28))]
)
def test_generated_source_matches_built_module(tmp_path: Path, seed, shape) -> None:
    problem = Problem(shape, 4)
    rng = np.random.default_rng(seed)
    genome = sample_genome(SMALL_SPACE, problem, rng)
    graph = genome_to_graph(genome, problem)
    module = GraphModule(graph)
    module.set_normalization(
        torch.rand(shape[0]) if len(shape) == 3 else torch.rand(shape),
        torch.rand(shape[0]) + 0.5 if len(shape) == 3 else torch.rand(shape) + 0.5,
    )
    module.eval()
    x = torch.rand(5, *shape)
    with torch.no_grad():
        expected = module(x)
    (tmp_path / "model.py").write_text(generate_source(graph))
    torch.save(module.state_dict(), tmp_path / "weights.pt")
    torch.save((x, expected), tmp_path / "io.pt")
    out = subprocess.run(
        [sys.executable, "-I", "-c", CHECK, str(tmp_path)], text=True, capture_output=True
    )
    assert out.returncode == 0, f"generated model failed for {genome}:\n{out.stderr}"
    assert float(out.stdout) <= 1e-6, f"outputs differ by {out.stdout} for {genome}"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), shape=st.sampled_from([(30,), (1, 8, 8), (3, 12, 12)]))
def test_the_inference_copy_drops_dropout_and_computes_the_same(seed: int, shape) -> None:
    problem = Problem(shape, 4)
    genome = sample_genome(SMALL_SPACE, problem, np.random.default_rng(seed))
    module = GraphModule(genome_to_graph(genome, problem)).eval()
    dropouts = sum(isinstance(m, torch.nn.Dropout) for m in module.modules())
    inference = module.for_inference()
    kept = [type(m).__name__ for m in inference.modules() if isinstance(m, torch.nn.Dropout)]
    assert not kept, f"{genome}: the inference copy keeps {kept}"
    assert sum(isinstance(m, torch.nn.Dropout) for m in module.modules()) == dropouts, (
        "making the inference copy changed the original"
    )
    x = torch.rand(3, *shape)
    with torch.no_grad():
        assert torch.equal(inference(x), module(x)), f"{genome}: the inference copy differs"
