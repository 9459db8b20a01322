"""matplotlib for the project's figures: the Agg backend (no display needed), with its font
cache kept in the directory the figure goes to unless ``MPLCONFIGDIR`` is set, so that
nothing is written outside the run directory (not even in the user's home)."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType


def pyplot(directory: Path) -> ModuleType:
    os.environ.setdefault("MPLCONFIGDIR", str(directory / ".matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
