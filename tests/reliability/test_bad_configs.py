"""Bad config files through the real CLI (in process): one line naming the file, the key, the
rule and the value; exit code 2; no run directory."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from automl.cli import main

BAD_CONFIGS = {
    "yaml_syntax": ("dataset: [digits\n", r"YAML syntax error at line 2"),
    "unknown_key": (
        {"search": {"populaton": 8}},
        r"unknown key `search.populaton`; allowed keys here: population",
    ),
    "unknown_section": ({"trainer": {}}, r"unknown key `trainer`; allowed keys here: dataset"),
    "wrong_type": (
        {"search": {"population": "many"}},
        r"`search.population`: input should be a valid integer.*got 'many'",
    ),
    "out_of_range": (
        {"search": {"population": 1}},
        r"`search.population`: input should be greater than or equal to 2; got 1",
    ),
    "bad_activation": (
        {"space": {"activations": ["relu", "swish"]}},
        r"space.activations has unknown choice 'swish'; allowed: .*'gelu'",
    ),
    "min_above_max": ({"space": {"depth": [4, 1]}}, r"space.depth must have low <= high"),
    "bad_dataset": (
        {"dataset": {"name": "imagenet"}},
        r"`dataset.name`: must be one of \['digits', 'mnist', 'fashion_mnist', 'cifar10', "
        r"'image_folder', 'csv', 'npz'\]; got 'imagenet'",
    ),
    "bad_objective": (
        {"objectives": ["accuracy", "speed"]},
        r"`objectives.1`: input should be 'accuracy'",
    ),
    "top_level_list": ("- 1\n- 2\n", r"the top level must be a mapping"),
    "repeated_key": (
        "space:\n  depth: [1, 2]\n  width: [8, 16]\n  depth: [1, 3]\n",
        r"key 'depth' given twice in `space`, at lines 2 and 4; keep one",
    ),
    "bool_for_int": (
        {"search": {"evaluations": True}},
        r"`search.evaluations`: input should be a valid integer; got True",
    ),
    "nan_range": ("space:\n  lr: [.nan, 0.1]\n", r"`space.lr.0`: input should be a finite number"),
    "range_of_three": (
        {"space": {"depth": [1, 2, 3]}},
        r"`space.depth`: value should have at most 2 items.*got \[1, 2, 3\]",
    ),
    "bad_range_item": (
        {"space": {"depth": "abc"}},
        r"`space.depth.0`: input should be a valid integer; got 'abc'",
    ),
    "bad_family": (
        {"space": {"families": ["mlp", "rnn"]}},
        r"space.families has unknown choice 'rnn'; allowed: \['mlp', 'cnn', 'cnn1d'\]",
    ),
    "bad_strategy": (
        {"search": {"strategy": "cmaes"}},
        r"`search.strategy`: must be one of \['nsga2', .*'tpe'.*\]; got 'cmaes'",
    ),
    "bad_initial_design": (
        {"search": {"initial": "lhs"}},
        r"`search.initial`: must be one of \['random', 'sobol'\]; got 'lhs'",
    ),
    "gene_value_of_another_kind": (
        {"space": {"lr": ["fast", 0.1]}},
        r"`space.lr.0`: input should be a valid number; got 'fast'; allowed: \[low, high\]",
    ),
    "choice_of_another_kind": (
        {"space": {"batch_sizes": [16, "big"]}},
        r"`space.batch_sizes.1`: input should be a valid integer.*got 'big'; allowed: .*int",
    ),
    "guided_with_three_objectives": (
        {"objectives": ["accuracy", "latency", "params"]},
        r"`search.strategy`: 'guided' screens children on two objectives, accuracy and one of "
        r"latency, params, flops, size; got objectives \['accuracy', 'latency', 'params'\]",
    ),
    "size_limit_zero": (
        {"constraints": {"max_size_kb": 0}},
        r"`constraints.max_size_kb`: input should be greater than or equal to 0.001; got 0",
    ),
    "no_devices": (
        {"evaluator": {"devices": []}},
        r"`evaluator.devices`: value should have at least 1 item",
    ),
    "bad_device": (
        {"evaluator": {"devices": ["tpu"]}},
        r"`evaluator.devices`: must be 'auto' or a list of 'cpu'.*got \['tpu'\]",
    ),
    "unavailable_gpu": (
        {"evaluator": {"devices": ["cuda:99"]}},
        r"`evaluator.devices` entry 'cuda:99' is not available here",
    ),
    "unavailable_latency_device": (
        {"latency": {"device": "cuda:99"}},
        r"`latency.device` entry 'cuda:99' is not available here; allowed: \['cpu'",
    ),
    "warm_start_missing_run": (
        {"search": {"warm_start": ["no/such/run"]}},
        r"`search.warm_start` run no/such/run: no such run directory",
    ),
    "warm_start_with_tpe": (
        {"search": {"strategy": "tpe", "warm_start": ["no/such/run"]}},
        r"`search.warm_start` works with search.strategy guided or nsga2; got 'tpe'",
    ),
    "expansion_below_one": (
        {"space": {"families": ["cnn"], "blocks": ["mbconv"], "expansion": [0, 4]}},
        r"space.expansion must hold values >= 1; got \[0, 4\]",
    ),
    "unknown_block": (
        {"space": {"families": ["cnn"], "blocks": ["conv", "ghost"]}},
        r"space.blocks has unknown choice 'ghost'; allowed: \['conv', 'dwsep', 'mbconv'\]",
    ),
    "resolution_above_the_data": (
        {"space": {"families": ["cnn"], "resolution": [4, 16]}},
        r"space.resolution has 16, larger than this dataset's images \(8x8\); allowed: sides up",
    ),
    "cnn1d_on_images": (
        {"space": {"families": ["mlp", "cnn1d"]}},
        r"space.families includes 'cnn1d', which needs signals \(C x L\); this dataset has "
        r"input shape \[1, 8, 8\]; allowed: \['mlp', 'cnn'\]",
    ),
    "channels_without_signal_layout": (
        {"dataset": {"channels": 3}},
        r"`dataset.channels` is read only with `dataset.layout: signal`",
    ),
    "bad_layout": (
        {"dataset": {"layout": "audio"}},
        r"`dataset.layout`: input should be 'auto', 'table', 'image' or 'signal'; got 'audio'",
    ),
    "bad_latency_device": (
        {"latency": {"device": "gpu"}},
        r"`latency.device`: string should match",
    ),
}


def _search(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["search", *args])
    return result.exit_code, result.stderr.strip()


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_fails_with_one_line_and_writes_nothing(tmp_path: Path, name: str) -> None:
    content, pattern = BAD_CONFIGS[name]
    config = tmp_path / f"{name}.yaml"
    config.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    out = tmp_path / "run"
    code, message = _search(str(config), "--out", str(out))
    assert code == 2, f"{name}: exit {code}: {message}"
    assert len(message.splitlines()) == 1, f"{name}: expected one line, got:\n{message}"
    assert str(config) in message, f"{name}: the message must name the file"
    assert re.search(pattern, message), f"{name}: {message!r} does not match {pattern!r}"
    assert not out.exists(), f"{name}: a run directory was created for bad input"


def test_missing_config_file(tmp_path: Path) -> None:
    code, message = _search(str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "run"))
    assert code == 2
    assert message == f"error: {tmp_path / 'nope.yaml'}: config file not found"
    assert not (tmp_path / "run").exists()


def test_tpe_without_its_extra_fails_with_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if Optuna were not installed
    config = tmp_path / "tpe.yaml"
    config.write_text(yaml.safe_dump({"search": {"strategy": "tpe"}}))
    code, message = _search(str(config), "--out", str(tmp_path / "run"))
    assert code == 2 and len(message.splitlines()) == 1, message
    assert "pip install 'automl-evo[tpe]'" in message, message
    assert not (tmp_path / "run").exists()
