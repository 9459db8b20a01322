"""Which genes matter: a random forest per objective over the trained trials' genome encoding,
read through permutation importance with the columns of one gene permuted together, so the
report can say which genes drove accuracy and latency. The genes are the schema's (and the
structure's: family, depth, blocks present, skips), so a new gene shows up with no edit here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from automl.run.store import TrialRecord
from genomes import Genome, GenomeEncoding, Problem, SearchSpace

MIN_TRIALS = 8
"""Below this many trained trials a forest fits noise, so no estimate is made."""
_SEED = 0
_REPEATS = 5


@dataclass(frozen=True)
class GeneImportance:
    """Permutation importance per gene, each objective's values clipped at 0 and summing to 1
    (all 0 when no gene helps the forest predict that objective)."""

    trials: int
    accuracy: dict[str, float]
    latency: dict[str, float]


def gene_groups(encoding: GenomeEncoding) -> dict[str, list[int]]:
    """The encoding's columns by gene, in column order."""
    groups: dict[str, list[int]] = {}
    for index, column in enumerate(encoding.columns):
        groups.setdefault(column.gene, []).append(index)
    return groups


def _importance(
    features: np.ndarray, target: np.ndarray, groups: dict[str, list[int]]
) -> dict[str, float]:
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=50, random_state=_SEED, n_jobs=1)
    forest.fit(features, target)
    baseline = _mse(forest.predict(features), target)
    rng = np.random.default_rng(_SEED)
    raw = []
    for columns in groups.values():
        losses = []
        for _ in range(_REPEATS):
            shuffled = features.copy()
            shuffled[:, columns] = features[rng.permutation(len(features))][:, columns]
            losses.append(_mse(forest.predict(shuffled), target) - baseline)
        raw.append(max(float(np.mean(losses)), 0.0))
    total = sum(raw)
    shares = [r / total if total > 0 else 0.0 for r in raw]
    return dict(zip(groups, shares, strict=True))


def _mse(prediction: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((prediction - target) ** 2))


def gene_importance(
    records: list[TrialRecord], space: SearchSpace, problem: Problem
) -> GeneImportance | None:
    """Importance of each gene for validation accuracy and for log latency, or None with
    fewer than MIN_TRIALS trained trials. The forest is scored on the trials it was fit on
    (there are too few to hold any out), so read the ranking, not the exact shares."""
    trained = [
        r
        for r in records
        if r.status.trained and r.val_accuracy is not None and r.latency_ms is not None
    ]
    if len(trained) < MIN_TRIALS:
        return None
    encoding = GenomeEncoding(space, problem)
    features = encoding.encode_many([Genome.from_json(r.genome, space.schema) for r in trained])
    groups = gene_groups(encoding)
    accuracy = np.array([r.val_accuracy for r in trained], dtype=float)
    latency = np.log(np.array([r.latency_ms for r in trained], dtype=float))
    return GeneImportance(
        len(trained),
        _importance(features, accuracy, groups),
        _importance(features, latency, groups),
    )
