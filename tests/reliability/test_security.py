"""Security: YAML only through safe_load, every torch.load with weights_only=True, no code
from a config or a pickle runs, and a search, report, study and export write nothing outside
the run and export directories."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
import yaml

from tests.cli import automl

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("automl", "genomes", "evaluators", "search")
SOURCES = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    """Every call of ``X.name(...)`` or ``name(...)`` in the project's packages."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                callee = node.func
                called = (
                    callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
                )
                if called == name:
                    found.append((path, node))
    return found


def test_yaml_is_read_only_through_safe_load() -> None:
    unsafe = [f"{p.name}:{n.lineno}" for p, n in _calls("load") if _module_of(n) == "yaml"]
    unsafe += [f"{p.name}:{n.lineno}" for p, n in _calls("unsafe_load")]
    assert not unsafe, f"yaml loaded without safe_load at {unsafe}"
    assert _calls("safe_load"), "no safe_load found: the check looks in the wrong place"


def test_every_torch_load_passes_weights_only_true() -> None:
    loads = [(p, n) for p, n in _calls("load") if _module_of(n) == "torch"]
    assert loads, "no torch.load found: the check looks in the wrong place"
    for path, node in loads:
        flags = {k.arg: k.value for k in node.keywords}
        ok = isinstance(flags.get("weights_only"), ast.Constant) and flags["weights_only"].value
        assert ok, f"{path.name}:{node.lineno}: torch.load without weights_only=True"


def _module_of(node: ast.Call) -> str:
    callee = node.func
    return (
        callee.value.id
        if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name)
        else ""
    )


def test_a_yaml_tag_that_would_run_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    config = tmp_path / "evil.yaml"
    config.write_text(f"search: !!python/object/apply:os.system ['touch {marker}']\n")
    proc = automl("search", str(config), cwd=tmp_path)
    assert proc.returncode == 2 and "YAML" in proc.stderr, proc.stderr
    assert not marker.exists(), "a YAML tag ran code"


def test_commands_write_nothing_outside_their_directories(tmp_path: Path) -> None:
    home, work, temp = tmp_path / "home", tmp_path / "work", tmp_path / "tmp"
    for folder in (home, work, temp):
        folder.mkdir()
    config = {
        "dataset": {"name": "digits", "val_fraction": 0.25, "test_fraction": 0.2},
        "space": {"depth": [1, 2], "width": [8, 32], "max_epochs": 2},
        "search": {"population": 4, "evaluations": 4, "seed": 0},
        "evaluator": {"max_epochs": 2, "patience": 2, "workers": 2},
        "latency": {"blocks": 3, "warmup_calls": 5},
    }
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "XDG"))}
    env.update(HOME=str(home), TMPDIR=str(temp))
    commands = [
        ["search", "config.yaml", "--out", "run"],
        ["report", "run"],
        ["study", "run"],
        ["export", "run", "--pick", "knee", "--out", "export"],
        ["status", "run"],
    ]
    for command in commands:
        proc = automl(*command, cwd=work, env=env)
        assert proc.returncode == 0, f"{command[0]} failed: {proc.stderr[-1500:]}"
    outside = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
               and not p.is_relative_to(work / "run") and not p.is_relative_to(work / "export")
               and p != work / "config.yaml"]  # fmt: skip
    assert outside == [], f"files written outside the run and export directories: {outside}"
