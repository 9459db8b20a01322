"""The import direction of DESIGN.md: genomes <- evaluators <- search <- automl, and other
packages use only a package's public ``__init__``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["genomes", "evaluators", "search", "automl"]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", LAYERS)
def test_package_imports_only_lower_layers_through_their_public_api(package: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in LAYERS and top not in allowed:
                problems.append(f"{path.relative_to(ROOT)} imports {name} (an upper layer)")
            elif top in LAYERS and top != package and name != top:
                problems.append(
                    f"{path.relative_to(ROOT)} imports {name}; use `from {top} "
                    "import ...` (the public API)"
                )
    assert not problems, "\n".join(problems)
