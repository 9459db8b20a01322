"""How the search decided: how well the strategy predicted the trials it asked for (latency
and accuracy before training, from the notes kept with each trial), what asking cost, and what
each pruning rung learned from the learning curves."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from automl.config import Config
from automl.run.store import TrialRecord, record_result
from search import MOASHAPruner, RungHealth


@dataclass(frozen=True)
class Guidance:
    latency_correlation: tuple[float, int] | None
    """Spearman of predicted and measured latency, over how many trials (None below 3)."""
    accuracy_correlation: tuple[float, int] | None
    ask_ms: tuple[float, float] | None
    """Median and largest time the strategy took to choose a trial."""
    rungs: list[RungHealth]
    rule: str | None
    """The pruning rule, None when pruning is off."""


def _correlation(pairs: list[tuple[float, float]]) -> tuple[float, int] | None:
    if len(pairs) < 3:
        return None
    rho = spearmanr([p[0] for p in pairs], [p[1] for p in pairs]).statistic
    return (float(rho) if np.isfinite(rho) else 0.0, len(pairs))


def search_guidance(records: list[TrialRecord], config: Config) -> Guidance:
    notes = [(r, json.loads(r.notes)) for r in records]
    trained = [(r, n) for r, n in notes if r.status.trained]
    latency = [
        (n["predicted_latency_ms"], r.latency_ms) for r, n in trained if "predicted_latency_ms" in n
    ]
    accuracy = [
        (n["predicted_accuracy"], r.val_accuracy) for r, n in trained if "predicted_accuracy" in n
    ]
    asks = [n["ask_seconds"] * 1000 for _, n in notes if "ask_seconds" in n]
    settings = config.pruning_settings()
    rungs: list[RungHealth] = []
    if settings.enabled:
        pruner = MOASHAPruner(settings, tuple(config.objectives))
        for record in sorted(records, key=lambda r: r.finished_at or 0.0):
            result = record_result(record)
            if result is not None:
                pruner.record(result)
        rungs = pruner.health()
    return Guidance(
        _correlation(latency),
        _correlation(accuracy),
        (float(np.median(asks)), float(max(asks))) if asks else None,
        rungs,
        settings.rule if settings.enabled else None,
    )
