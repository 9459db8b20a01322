"""A YAML config file read into a plain mapping, before validation: what can be wrong with
the file itself (missing, not UTF-8, bad syntax, a key twice, not a mapping) is one
ConfigError naming it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from automl.errors import ConfigError


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping a YAML config file holds, before validation; a missing or unreadable file,
    or one whose top level is not a mapping, is a ConfigError naming it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        repeated = _repeated_key(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: YAML syntax error{where}: {problem}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text") from None
    if repeated:
        raise ConfigError(f"{path}: {repeated}")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of sections; got {type(raw).__name__}"
        )
    return raw


def _repeated_key(text: str) -> str | None:
    """A key given twice in one mapping, which YAML readers settle silently by keeping the
    last value (two ``expansion:`` lines in one section): where, or None. Reads the node tree
    only, so nothing is built from the text; an alias is followed once."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    nodes, seen = [(root, "")], set()
    while nodes:
        node, path = nodes.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            nodes.extend((item, f"{path}.{i}") for i, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                nodes.append((value, f"{path}.{name}"))
                if not isinstance(key, yaml.ScalarNode):
                    continue
                typed, line = (key.tag, key.value), key.start_mark.line + 1
                if typed in first:
                    where = f"`{path[1:]}`" if path else "the top level"
                    return (
                        f"key {key.value!r} given twice in {where}, at lines "
                        f"{first[typed]} and {line}; keep one"
                    )
                first[typed] = line
    return None
