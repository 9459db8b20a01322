from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from genomes import GraphModule, Problem, generate_source, genome_to_graph, sample_genome
from tests.genomes.test_blocks import PROBLEM as BLOCKS_PROBLEM
from tests.genomes.test_blocks import every_block_genome
from tests.genomes.test_operators import SMALL_SPACE

CHECK = """
import importlib.util, json, sys, torch
diffs = []
for folder in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("model_" + str(len(diffs)), folder + "/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    m = module.Model()
    m.load_state_dict(torch.load(folder + '/weights.pt', weights_only=True))
    m.eval()
    x, expected = torch.load(folder + '/io.pt', weights_only=True)
    with torch.no_grad():
        diffs.append((m(x) - expected).abs().max().item())
leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('genomes', 'automl', 'evaluators',
                                                              'search'))
assert not leaked, f"generated model imported project modules: {leaked}"
print(json.dumps(diffs))
"""
CASES = [(0, (30,)), (1, (1, 8, 8)), (2, (3, 32, 32)), (3, (1, 28, 28)), (4, (2, 20))]
"""(seed, input shape): a table, three image sizes and a signal; networks with every block
type, in two and in one dimension, are checked beside them."""


def test_generated_source_matches_built_module(tmp_path: Path) -> None:
    """Every case's ``model.py`` with its weights, in one fresh interpreter that has torch and
    not the project, computes what the built module computes."""
    cases = [
        (sample_genome(SMALL_SPACE, Problem(shape, 4), np.random.default_rng(seed)), shape)
        for seed, shape in CASES
    ]
    cases.append((every_block_genome(), BLOCKS_PROBLEM.input_shape))
    cases.append((every_block_genome("cnn1d"), (2, 20)))
    folders = []
    for case, (genome, shape) in enumerate(cases):
        problem = Problem(shape, 4)
        graph = genome_to_graph(genome, problem)
        module = GraphModule(graph)
        statistics = shape if len(shape) == 1 else shape[:1]  # per feature, or per channel
        module.set_normalization(torch.rand(statistics), torch.rand(statistics) + 0.5)
        module.eval()
        x = torch.rand(5, *shape)
        with torch.no_grad():
            expected = module(x)
        folder = tmp_path / f"case{case}"
        folder.mkdir()
        (folder / "model.py").write_text(generate_source(graph))
        torch.save(module.state_dict(), folder / "weights.pt")
        torch.save((x, expected), folder / "io.pt")
        folders.append(str(folder))
    out = subprocess.run(
        [sys.executable, "-I", "-c", CHECK, *folders], text=True, capture_output=True
    )
    assert out.returncode == 0, f"a generated model failed:\n{out.stderr}"
    for (genome, _), diff in zip(cases, json.loads(out.stdout), strict=True):
        assert diff <= 1e-6, f"outputs differ by {diff} for {genome}"


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
