"""Which genes matter: a random forest per objective over the trained trials, read through
permutation importance, so the report can say which genes drove accuracy and latency."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from automl.store import TRAINED, TrialRecord
from genomes import ACTIVATIONS, FAMILIES, NORMS, OPTIMIZERS, SCHEDULES, Genome

MIN_TRIALS = 8
"""Below this many trained trials a forest fits noise, so no estimate is made."""
_SEED = 0


@dataclass(frozen=True)
class GeneImportance:
    """Permutation importance per gene, each objective's values clipped at 0 and summing to 1
    (all 0 when no gene helps the forest predict that objective)."""

    trials: int
    accuracy: dict[str, float]
    latency: dict[str, float]


def _ordinal(name: str | None, vocabulary: tuple[str, ...]) -> float:
    """A name's index in its vocabulary; a name outside it gets one code past the end."""
    return float(vocabulary.index(name)) if name in vocabulary else float(len(vocabulary))


def genome_features(genome: Genome) -> dict[str, float]:
    """The genome flattened to named scalars, categoricals ordinal-encoded; scale genes on a
    log axis, where the search samples them."""
    layers = genome.layers
    train = genome.train
    first = layers[0] if layers else None
    widths = [g.width for g in layers] or [0]
    dropouts = [g.dropout for g in layers] or [0.0]
    return {
        "family": _ordinal(genome.family, FAMILIES),
        "depth": float(genome.depth),
        "mean width": float(np.mean(widths)),
        "first activation": _ordinal(first.activation if first else None, ACTIVATIONS.names()),
        "first norm": _ordinal(first.norm if first else None, NORMS),
        "mean dropout": float(np.mean(dropouts)),
        "skips": float(len(genome.skips)),
        "optimizer": _ordinal(train.optimizer, OPTIMIZERS),
        "schedule": _ordinal(train.schedule, SCHEDULES),
        "log10 lr": math.log10(train.lr),
        "log2 batch size": math.log2(train.batch_size),
        "log10 weight decay": math.log10(max(train.weight_decay, 1e-8)),
        "label smoothing": train.label_smoothing,
        "augment": float(train.augment),
        "max epochs": float(train.max_epochs),
    }


def _importance(features: np.ndarray, target: np.ndarray, names: list[str]) -> dict[str, float]:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    forest = RandomForestRegressor(n_estimators=50, random_state=_SEED, n_jobs=1)
    forest.fit(features, target)
    result = permutation_importance(
        forest, features, target, n_repeats=5, random_state=_SEED, n_jobs=1
    )
    raw = np.clip(result.importances_mean, 0.0, None)
    total = raw.sum()
    shares = raw / total if total > 0 else raw
    return {name: float(share) for name, share in zip(names, shares, strict=True)}


def gene_importance(records: list[TrialRecord]) -> GeneImportance | None:
    """Importance of each gene for validation accuracy and for log latency, or None with
    fewer than MIN_TRIALS trained trials. The forest is scored on the trials it was fit on
    (there are too few to hold any out), so read the ranking, not the exact shares."""
    trained = [
        r
        for r in records
        if r.status in TRAINED and r.val_accuracy is not None and r.latency_ms is not None
    ]
    if len(trained) < MIN_TRIALS:
        return None
    rows = [genome_features(Genome.from_json(r.genome)) for r in trained]
    names = list(rows[0])
    features = np.array([[row[name] for name in names] for row in rows])
    accuracy = np.array([r.val_accuracy for r in trained], dtype=float)
    latency = np.log(np.array([r.latency_ms for r in trained], dtype=float))
    return GeneImportance(
        len(trained),
        _importance(features, accuracy, names),
        _importance(features, latency, names),
    )
