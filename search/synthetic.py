"""A mixed-integer two-objective problem in place of training, for testing and timing
strategies: latency is a per-operator cost (what the latency model can learn), accuracy a
saturating function of the network's size times how well its training genes suit it (a best
learning rate per optimizer, activation, dropout, batch size), so the front is known: the
best training genes at every size. A trial on it takes no time."""

from __future__ import annotations

import math

import numpy as np

from evaluators import TrialRequest, TrialResult, TrialStatus
from genomes import (
    FloatRange,
    IntRange,
    Problem,
    SearchSpace,
    count_flops,
    count_params,
    count_weight_bytes,
    genome_to_graph,
)
from search.hypervolume import hypervolume

SYNTHETIC_PROBLEM = Problem((1, 8, 8), 10)
SYNTHETIC_SPACE = SearchSpace(
    families=("mlp", "cnn"),
    depth=IntRange(1, 4),
    width=IntRange(8, 256, log=True),
    channels=IntRange(4, 32, log=True),
    dropout=FloatRange(0.0, 0.5),
    lr=FloatRange(1e-4, 1e-1, log=True),
)
BEST_LOG_LR = {"sgd": -1.5, "adam": -2.7, "adamw": -2.5}
ACTIVATION = {"relu": 1.0, "gelu": 1.0, "silu": 0.99, "tanh": 0.93}
SCALES = (1.0, 0.5)
"""Hypervolume yardstick: error up to 1, latency up to 0.5 ms."""


def synthetic_trial(request: TrialRequest) -> TrialResult:
    """The synthetic problem's result for one trial (always COMPLETE, one epoch)."""
    genome = request.genome
    graph = genome_to_graph(genome, SYNTHETIC_PROBLEM)
    params, flops = count_params(graph), count_flops(graph)
    latency = 0.01 + 0.003 * graph.number_of_nodes() + 2e-7 * flops
    capacity = 1.0 - math.exp(-params / 4000.0) * (0.7 if genome.family == "cnn" else 1.0)
    train = genome.train
    lr_fit = math.exp(-(((math.log10(train.lr) - BEST_LOG_LR[train.optimizer]) / 0.6) ** 2))
    dropout = 1.0 - 0.4 * float(np.mean([layer.dropout for layer in genome.layers])) ** 2
    activation = float(np.prod([ACTIVATION[layer.activation] for layer in genome.layers]))
    batch = 1.0 - 0.04 * math.log2(train.batch_size / 16)
    accuracy = 0.1 + 0.89 * capacity * lr_fit * dropout * activation**0.5 * batch
    return TrialResult(
        request.trial_id,
        TrialStatus.COMPLETE,
        val_accuracy=accuracy,
        latency_ms=latency,
        params=params,
        flops=flops,
        weight_bytes=count_weight_bytes(graph),
        epochs=1,
    )


def synthetic_hypervolume(results: list[TrialResult]) -> float:
    """Hypervolume of the results on the problem's fixed yardstick."""
    values = np.array([[r.val_accuracy, r.latency_ms] for r in results])
    return hypervolume(values, ("accuracy", "latency"), SCALES)
