"""Package attributes imported on first use, so that importing a package costs only what is
used: a bad config is refused without importing torch (1.5 s of every refusal otherwise)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: each name in ``exports`` (submodule ->
    names it defines) is imported from its submodule when first asked for, then kept. A name
    that is also its module's name (``repair``) is imported at once: the import system sets a
    package's attribute to each submodule it loads, which would hide the function."""
    where = {name: f"{package}.{module}" for module, names in exports.items() for name in names}
    for module, names in exports.items():
        if module in names:  # importing the module would set the package's attribute to it
            setattr(
                sys.modules[package],
                module,
                getattr(importlib.import_module(where[module]), module),
            )

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's name
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
