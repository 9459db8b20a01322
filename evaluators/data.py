"""The tensors a worker trains on, sent to each worker once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from genomes import Problem

if TYPE_CHECKING:  # the dataclass is imported where configs are read, without torch
    import torch


@dataclass(frozen=True)
class TrainingData:
    """Training and validation splits as raw model inputs (images in [0, 1], N x C x H x W;
    tables as raw features), plus the training split's normalisation statistics that the
    network's ``Normalize`` layer applies."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor
    num_classes: int

    @property
    def problem(self) -> Problem:
        return Problem(tuple(self.x_train.shape[1:]), self.num_classes)

    def to(self, device: str) -> TrainingData:
        tensors = (self.x_train, self.y_train, self.x_val, self.y_val, self.mean, self.std)
        return TrainingData(*(t.to(device) for t in tensors), num_classes=self.num_classes)


def as_model_input(x: torch.Tensor) -> torch.Tensor:
    """Inputs as the network takes them: uint8 pixels (how large image sets are kept in
    memory) become floats in [0, 1] on the tensor's own device; anything else is unchanged."""
    import torch

    return x.float().div_(255.0) if x.dtype == torch.uint8 else x
