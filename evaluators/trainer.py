"""Training with early stopping on validation accuracy; batches are slices of resident tensors."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from evaluators.data import TrainingData, as_model_input
from evaluators.errors import EvaluationError
from evaluators.optim import build_optimizer
from evaluators.settings import TrainSettings
from genomes import Genome, GraphModule, genome_to_graph

EpochCallback = Callable[[int, float], bool]
"""Called after each epoch with (epoch, validation accuracy); returning False stops the trial."""


@dataclass(frozen=True)
class TrainOutcome:
    model: GraphModule
    val_accuracy: float
    epochs: int
    curve: tuple[float, ...]
    stopped_by_callback: bool


def build_model(genome: Genome, data: TrainingData) -> GraphModule:
    model = GraphModule(genome_to_graph(genome, data.problem))
    model.set_normalization(data.mean.cpu(), data.std.cpu())
    return model


def train(
    genome: Genome,
    data: TrainingData,
    settings: TrainSettings,
    seed: int,
    on_epoch: EpochCallback | None = None,
) -> TrainOutcome:
    """Train ``genome`` for up to ``min(genome.train.max_epochs, settings.max_epochs)`` epochs.

    Stops after ``patience`` epochs without a validation gain above ``min_delta`` and restores
    the best weights (with ``settings.restore_best``; else it keeps the last). Raises
    ``EvaluationError`` on a non-finite loss.
    """
    cuda = torch.device(settings.device)
    devices = [cuda.index or 0] if cuda.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)  # initialisation and dropout, without touching the caller's state
        return _train(genome, data, settings, seed, on_epoch)


def _train(
    genome: Genome,
    data: TrainingData,
    settings: TrainSettings,
    seed: int,
    on_epoch: EpochCallback | None,
) -> TrainOutcome:
    model = build_model(genome, data).to(settings.device)
    on_cuda = settings.device.startswith("cuda")
    memory_format = torch.channels_last if on_cuda and genome.family == "cnn" else None
    if memory_format is not None:
        model = model.to(memory_format=memory_format)
    autocast = torch.autocast("cuda", torch.bfloat16, enabled=on_cuda and settings.mixed_precision)
    generator = torch.Generator(device=settings.device).manual_seed(seed)
    gene = genome.train
    epochs = min(gene.max_epochs, settings.max_epochs)
    n = data.x_train.shape[0]
    steps_per_epoch = -(-n // gene.batch_size)
    optimizer, scheduler = build_optimizer(model, gene, epochs, steps_per_epoch)
    best_accuracy, best_state, curve, waited = -1.0, None, [], 0
    stopped_by_callback = False
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n, device=settings.device, generator=generator)
        loss_sum = torch.zeros((), device=settings.device)
        for start in range(0, n, gene.batch_size):
            index = order[start : start + gene.batch_size]
            if index.numel() < 2:
                continue  # batch norm cannot train on a single sample
            inputs = as_model_input(data.x_train[index])
            if gene.augment:
                inputs = augment_images(inputs, generator)
            if memory_format is not None:
                inputs = inputs.contiguous(memory_format=memory_format)
            with autocast:
                logits = model(inputs)
            loss = F.cross_entropy(
                logits.float(), data.y_train[index], label_smoothing=gene.label_smoothing
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            loss_sum = loss_sum + loss.detach()
        if not torch.isfinite(loss_sum):  # checked once per epoch: no device sync per step
            raise EvaluationError(f"non-finite training loss in epoch {epoch + 1}")
        accuracy = accuracy_of(model, data.x_val, data.y_val)
        curve.append(accuracy)
        if accuracy > best_accuracy + settings.min_delta or best_state is None:
            best_state = copy.deepcopy(model.state_dict()) if settings.restore_best else {}
            best_accuracy, waited = accuracy, 0
        else:
            waited += 1
        if on_epoch is not None and not on_epoch(epoch + 1, accuracy):
            stopped_by_callback = True
            break
        if waited >= settings.patience:
            break
    if not settings.restore_best:
        return TrainOutcome(model, curve[-1], len(curve), tuple(curve), stopped_by_callback)
    model.load_state_dict(best_state)
    return TrainOutcome(model, best_accuracy, len(curve), tuple(curve), stopped_by_callback)


@torch.inference_mode()
def accuracy_of(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> float:
    model.eval()
    correct = 0
    for start in range(0, x.shape[0], batch_size):
        logits = model(as_model_input(x[start : start + batch_size]))
        correct += int((logits.argmax(dim=1) == y[start : start + batch_size]).sum())
    return correct / max(x.shape[0], 1)


def augment_images(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random translation (a crop of the edge-padded batch, one offset per batch) and a random
    horizontal flip per sample, on the tensors' own device."""
    pad = max(1, x.shape[-1] // 8)
    padded = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    dy, dx = torch.randint(0, 2 * pad + 1, (2,), generator=generator, device=x.device).tolist()
    cropped = padded[..., dy : dy + x.shape[-2], dx : dx + x.shape[-1]]
    flip = torch.rand(x.shape[0], generator=generator, device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], cropped.flip(-1), cropped)
