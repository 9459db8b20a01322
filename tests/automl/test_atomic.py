"""One atomic write for every output file: a write that fails midway leaves the old file as it
was and no partial file beside it; one that succeeds replaces it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from automl.atomic import atomic_path
from automl.report.plots import plot_curves, plot_hypervolume
from automl.run.outputs import plot_pareto, write_rows
from automl.study.measure import StudyRow
from automl.study.plot import plot_study
from tests.automl.records import trial_record

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RECORDS = [
    trial_record(i, 0.5 + 0.1 * i, 0.1 * (i + 1), 100 * (i + 1), test_accuracy=0.6)
    for i in range(4)
]
STUDY_ROWS = [
    StudyRow(i, "cpu", 1, 1, 0.1 * (i + 1), 0.1 * (i + 1), 0.0, 0.5 + 0.1 * i, None)
    for i in range(3)
]
FIGURES: dict[str, Callable[[Path], None]] = {
    "pareto.png": lambda path: plot_pareto(path, RECORDS, RECORDS, ("accuracy", "latency")),
    "study.png": lambda path: plot_study(path, STUDY_ROWS, [0.15]),
    "hypervolume.png": lambda path: plot_hypervolume(path, [(4, 1.0, 0.2), (5, 2.0, 0.3)]),
    "curves.png": lambda path: plot_curves(path, RECORDS),
}


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*partial*"))


def test_atomic_path_replaces_on_success_and_keeps_the_old_file_on_failure(tmp_path: Path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path) as partial:
        partial.write_text("half of the new")
        raise RuntimeError("the writer fails midway")
    assert path.read_text() == "old", "a failed write changed the file"
    assert _leftovers(tmp_path) == [], "a failed write left a partial file"
    with atomic_path(path) as partial:
        assert partial.parent == path.parent and partial.suffix == path.suffix
        partial.write_text("new")
        assert path.read_text() == "old", "the file changed before the write was complete"
    assert path.read_text() == "new" and _leftovers(tmp_path) == []


def test_a_csv_that_fails_midway_leaves_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "trials.csv"
    write_rows(path, ("a", "b"), [{"a": 1, "b": 2}])
    old = path.read_text()

    def rows() -> Iterator[dict[str, int]]:
        yield {"a": 3, "b": 4}
        raise OSError("no space left on device")

    with pytest.raises(OSError):
        write_rows(path, ("a", "b"), rows())
    assert path.read_text() == old, "a failed CSV write changed trials.csv"
    assert _leftovers(tmp_path) == [], "a failed CSV write left a partial file"


@pytest.mark.parametrize("name", FIGURES)
def test_a_figure_that_fails_midway_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = tmp_path / name
    FIGURES[name](path)
    old = path.read_bytes()
    assert old.startswith(PNG_MAGIC), f"{name} is not a PNG"

    def half_then_fail(self: Figure, target: Path, *args: object, **kwargs: object) -> None:
        Path(target).write_bytes(old[: len(old) // 2])
        raise OSError("no space left on device")

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(OSError):
        FIGURES[name](path)
    assert path.read_bytes() == old, f"a failed write changed {name}"
    assert _leftovers(tmp_path) == [], f"a failed write of {name} left a partial file"
