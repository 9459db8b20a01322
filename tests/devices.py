"""Device parameters for tests that run on the CPU and, where this machine has one, on a GPU.

A GPU case carries the ``gpu`` marker (``pytest -m gpu`` runs just those) and is skipped,
with the reason, where ``torch.cuda.is_available()`` is False."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
import torch

_Test = TypeVar("_Test", bound=Callable[..., object])

skip_without_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device: torch.cuda.is_available() is False"
)
CUDA = pytest.param("cuda:0", marks=(pytest.mark.gpu, skip_without_cuda), id="cuda:0")
DEVICES = ("cpu", CUDA)
"""Parametrize a ``device`` argument with these: cpu always, cuda:0 where it exists."""


def gpu_test(test: _Test) -> _Test:
    """Mark a test that needs a GPU: ``gpu``, and skipped with the reason where none exists."""
    return pytest.mark.gpu(skip_without_cuda(test))
