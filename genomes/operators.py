"""Variation operators and the per-search DEAP toolbox.

The operators draw from an explicit ``numpy.random.Generator`` instead of using ``deap.tools``,
whose operators read Python's global ``random`` state and so would leak randomness between runs
and break same-seed reproducibility. The toolbox and fitness class are built per search, so no
``deap.creator`` class outlives it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from deap import base

from genomes.genome import Genome
from genomes.repair import repair
from genomes.sampling import choose, families_for, sample_genome, sample_layer
from genomes.space import FloatRange, IntRange, Problem, SearchSpace


class Individual:
    """A DEAP individual: a genome and its fitness (the objective values with their signs)."""

    __slots__ = ("genome", "fitness")

    def __init__(self, genome: Genome, fitness: base.Fitness) -> None:
        self.genome = genome
        self.fitness = fitness


def mutate(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Apply one randomly chosen structural or numeric mutation, then repair."""
    moves: list[Callable[[Genome, SearchSpace, Problem, np.random.Generator], Genome]] = [
        _modify_layer,
        _perturb_training,
        _switch_choice,
    ]
    if genome.depth < space.depth.high:
        moves.append(_insert_layer)
    if genome.depth > space.depth.low:
        moves.append(_remove_layer)
    if space.skips and genome.depth >= 1:
        moves.append(_toggle_skip)
    move = choose(rng, moves)
    return repair(move(genome, space, problem, rng), space, problem, rng)


def crossover(
    a: Genome, b: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> tuple[Genome, Genome]:
    """One-point crossover of the layer lists (same family) plus uniform crossover of training
    genes; parents of different families exchange training genes only."""
    train_a, train_b = _uniform(a.train, b.train, rng)
    if a.family == b.family:
        cut_a = int(rng.integers(0, a.depth + 1))
        cut_b = int(rng.integers(0, b.depth + 1))
        layers_a = a.layers[:cut_a] + b.layers[cut_b:]
        layers_b = b.layers[:cut_b] + a.layers[cut_a:]
    else:
        layers_a, layers_b = a.layers, b.layers
    child_a = Genome(a.family, layers_a, train_a, a.skips)
    child_b = Genome(b.family, layers_b, train_b, b.skips)
    return repair(child_a, space, problem, rng), repair(child_b, space, problem, rng)


def make_toolbox(space: SearchSpace, problem: Problem, weights: Sequence[float]) -> base.Toolbox:
    """A DEAP toolbox for one search: ``individual(rng)``, ``wrap(genome)``,
    ``mate(a, b, rng)``, ``mutate(individual, rng)`` and ``repair(genome, rng)``.

    ``weights`` are DEAP fitness weights, +1 for objectives to maximise and -1 to minimise.
    Every random operator takes its generator per call, so a search can derive one generator
    per trial from its seed and rebuild any trial's randomness on resume.
    """
    fitness_class = type("Fitness", (base.Fitness,), {"weights": tuple(weights)})

    def wrap(genome: Genome) -> Individual:
        return Individual(genome, fitness_class())

    def individual(rng: np.random.Generator) -> Individual:
        return wrap(sample_genome(space, problem, rng))

    def mate(
        a: Individual, b: Individual, rng: np.random.Generator
    ) -> tuple[Individual, Individual]:
        child_a, child_b = crossover(a.genome, b.genome, space, problem, rng)
        return wrap(child_a), wrap(child_b)

    def mutate_individual(ind: Individual, rng: np.random.Generator) -> tuple[Individual]:
        return (wrap(mutate(ind.genome, space, problem, rng)),)

    toolbox = base.Toolbox()
    toolbox.register("wrap", wrap)
    toolbox.register("individual", individual)
    toolbox.register("mate", mate)
    toolbox.register("mutate", mutate_individual)
    toolbox.register("repair", partial(repair, space=space, problem=problem))
    return toolbox


def _uniform(a, b, rng):  # noqa: ANN001, ANN202 - any pair of same-type gene dataclasses
    swap = {f.name: rng.random() < 0.5 for f in dataclasses.fields(a)}
    left = {n: getattr(b if s else a, n) for n, s in swap.items()}
    right = {n: getattr(a if s else b, n) for n, s in swap.items()}
    return type(a)(**left), type(a)(**right)


def _insert_layer(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    position = int(rng.integers(0, genome.depth + 1))
    layers = list(genome.layers)
    layers.insert(position, sample_layer(space, genome.family, rng))
    skips = tuple((s + (s > position), t + (t > position)) for s, t in genome.skips)
    return dataclasses.replace(genome, layers=tuple(layers), skips=skips)


def _remove_layer(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    block = int(rng.integers(1, genome.depth + 1))
    layers = genome.layers[: block - 1] + genome.layers[block:]
    skips = tuple(
        (s - (s > block), t - (t > block)) for s, t in genome.skips if block not in (s, t)
    )
    return dataclasses.replace(genome, layers=layers, skips=skips)


def _modify_layer(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Resample one gene of one layer; widths move on a log scale around their value."""
    index = int(rng.integers(genome.depth))
    layer = genome.layers[index]
    fresh = sample_layer(space, genome.family, rng)
    name = choose(
        rng, [f.name for f in dataclasses.fields(layer) if getattr(layer, f.name) is not None]
    )
    value = getattr(fresh, name)
    if name == "width":
        value = round(layer.width * math.exp(rng.normal(0.0, 0.4)))
    elif name == "dropout":
        value = layer.dropout + rng.normal(0.0, 0.1)
    layers = list(genome.layers)
    layers[index] = dataclasses.replace(layer, **{name: value})
    return dataclasses.replace(genome, layers=tuple(layers))


_NUMERIC_TRAIN = ("lr", "weight_decay", "label_smoothing", "warmup_epochs", "max_epochs")


def _perturb_training(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Perturb one numeric training gene on its natural scale (log for log ranges)."""
    name = choose(rng, _NUMERIC_TRAIN)
    bounds: IntRange | FloatRange = getattr(space, name)
    value = getattr(genome.train, name)
    if bounds.log and value > 0:
        new = value * math.exp(rng.normal(0.0, 0.5))
    else:
        new = value + rng.normal(0.0, 0.15 * max(bounds.high - bounds.low, 1e-12))
    new = round(new) if isinstance(bounds, IntRange) else float(new)
    return dataclasses.replace(genome, train=dataclasses.replace(genome.train, **{name: new}))


def _switch_choice(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    """Switch one categorical training gene, or the family (the layers are then resampled)."""
    options = {
        "optimizer": space.optimizers,
        "schedule": space.schedules,
        "batch_size": space.batch_sizes,
        "augment": space.augment,
    }
    families = families_for(space, problem)
    name = choose(rng, [*options, "family"] if len(families) > 1 else list(options))
    if name == "family":
        family = choose(rng, [f for f in families if f != genome.family])
        layers = tuple(sample_layer(space, family, rng) for _ in genome.layers)
        return dataclasses.replace(genome, family=family, layers=layers)
    train = dataclasses.replace(genome.train, **{name: choose(rng, options[name])})
    return dataclasses.replace(genome, train=train)


def _toggle_skip(
    genome: Genome, space: SearchSpace, problem: Problem, rng: np.random.Generator
) -> Genome:
    if genome.skips and rng.random() < 0.5:
        drop = int(rng.integers(len(genome.skips)))
        return dataclasses.replace(genome, skips=genome.skips[:drop] + genome.skips[drop + 1 :])
    target = int(rng.integers(1, genome.depth + 1))
    source = int(rng.integers(0, target))
    return dataclasses.replace(genome, skips=(*genome.skips, (source, target)))
