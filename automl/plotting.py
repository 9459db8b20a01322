"""matplotlib for the project's figures: the Agg backend (no display needed), with its font
cache kept in the directory the figure goes to unless ``MPLCONFIGDIR`` is set, so that
nothing is written outside the run directory (not even in the user's home)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automl.atomic import atomic_path


def save_figure(path: Path, draw: Callable[[Any], None], figsize: tuple[float, float]) -> None:
    """Make a figure, let ``draw`` fill it, and save it atomically: a reader never sees half
    a PNG."""
    os.environ.setdefault("MPLCONFIGDIR", str(path.parent / ".matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, dpi=120)
    try:
        draw(fig)
        fig.tight_layout()
        with atomic_path(path) as partial:
            fig.savefig(partial)
    finally:
        plt.close(fig)
