"""Environment variables that a child process (a worker, Ray's raylet) is started with."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def child_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a child about to start; restore the parent's after, so
    that only the child sees them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
