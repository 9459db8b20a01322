"""Shared fixtures: tiny data and spaces so the suite stays fast on 2 cores."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest
import torch

from evaluators import TrainingData

torch.set_num_threads(1)


def make_training_data(
    n_train: int = 120, n_val: int = 60, shape=(1, 8, 8), classes: int = 3, seed: int = 0
) -> TrainingData:
    """Separable synthetic data: each class has its own mean pattern plus noise."""
    gen = torch.Generator().manual_seed(seed)
    centers = torch.rand((classes, *shape), generator=gen)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.arange(n) % classes
        x = (centers[y] + 0.15 * torch.randn((n, *shape), generator=gen)).clamp(0, 1)
        return x, y

    x_train, y_train = draw(n_train)
    x_val, y_val = draw(n_val)
    axes = (0, 2, 3) if len(shape) == 3 else (0,)
    return TrainingData(
        x_train, y_train, x_val, y_val, x_train.mean(dim=axes), x_train.std(dim=axes), classes
    )


@pytest.fixture
def tiny_data() -> TrainingData:
    return make_training_data()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
