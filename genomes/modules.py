"""The only custom layer a network needs; its source is copied verbatim into exported models."""

from __future__ import annotations

import torch
from torch import nn


class Normalize(nn.Module):
    """Standardises raw inputs with statistics stored as buffers, so they travel with the weights.

    Exported models take inputs exactly as the dataset reader yields them and need no
    preprocessing code; the statistics come from the training split and are set after building.
    """

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("std", torch.ones(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std
