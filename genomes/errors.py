"""Exception hierarchy shared by every package.

It lives in ``genomes`` because that package sits at the bottom of the import graph, so each
layer above can subclass ``AutoMLError`` without an upward import.
"""

from __future__ import annotations


class AutoMLError(Exception):
    """Base class of every error this project raises on purpose."""


class SearchSpaceError(AutoMLError, ValueError):
    """A search space that cannot be sampled (empty range, unknown name, wrong family)."""


class InvalidGenomeError(AutoMLError, ValueError):
    """A genome that does not match its schema or its search space; it is never executed."""
