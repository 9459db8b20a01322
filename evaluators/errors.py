"""Errors raised while evaluating a trial; the pool turns them into FAILED records."""

from __future__ import annotations

from genomes import AutoMLError


class EvaluationError(AutoMLError, RuntimeError):
    """A trial could not be evaluated (non-finite loss, a crashed or hung worker)."""
