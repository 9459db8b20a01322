"""Registries that turn the genome's optimizer and schedule names into torch objects."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch

from genomes import Registry, TrainGene

OptimizerBuilder = Callable[[Iterable[torch.nn.Parameter], float, float], torch.optim.Optimizer]

OPTIMIZERS: Registry[OptimizerBuilder] = Registry("optimizer")
OPTIMIZERS.register(
    "sgd", lambda p, lr, wd: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
)
OPTIMIZERS.register("adam", lambda p, lr, wd: torch.optim.Adam(p, lr=lr, weight_decay=wd))
OPTIMIZERS.register("adamw", lambda p, lr, wd: torch.optim.AdamW(p, lr=lr, weight_decay=wd))
OPTIMIZERS.register("rmsprop", lambda p, lr, wd: torch.optim.RMSprop(p, lr=lr, weight_decay=wd))

ScheduleShape = Callable[[float], float]

SCHEDULES: Registry[ScheduleShape] = Registry("schedule")
SCHEDULES.register("constant", lambda progress: 1.0)
SCHEDULES.register("cosine", lambda progress: 0.5 * (1.0 + math.cos(math.pi * progress)))
SCHEDULES.register("step", lambda progress: 0.1 ** math.floor(3 * min(progress, 0.999)))
SCHEDULES.register(
    "onecycle",
    lambda progress: (
        0.1 + 0.9 * progress / 0.3
        if progress < 0.3
        else 0.5 * (1.0 + math.cos(math.pi * (progress - 0.3) / 0.7))
    ),
)


def lr_factor(schedule: str, step: int, total_steps: int, warmup_steps: int) -> float:
    """Multiplier of the base learning rate at ``step``: linear warm-up, then the schedule's
    shape over the remaining steps (progress runs from 0 to 1)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
    return SCHEDULES.get(schedule)(min(progress, 1.0))


def build_optimizer(
    model: torch.nn.Module, gene: TrainGene, epochs: int, steps_per_epoch: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR | None]:
    """The optimizer and a per-step schedule; no schedule for a constant rate without warm-up,
    which spares a Python call per step."""
    optimizer = OPTIMIZERS.get(gene.optimizer)(model.parameters(), gene.lr, gene.weight_decay)
    total = epochs * steps_per_epoch
    warmup = min(gene.warmup_epochs * steps_per_epoch, total)
    if gene.schedule == "constant" and warmup == 0:
        return optimizer, None
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(gene.schedule, step, total, warmup)
    )
    return optimizer, scheduler
