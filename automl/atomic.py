"""The one way the project writes an output file: through a hidden sibling file that replaces
the target once complete, so a reader (a browser, a script, a resumed run) sees the old file or
the new one, never half of one, and a write that fails leaves the old file and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A sibling temporary path to write; it replaces ``path`` when the block succeeds and is
    removed when it raises. The suffix is kept, so that writers which infer the format from
    the name (matplotlib, ``torch.export.save``) still do."""
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
