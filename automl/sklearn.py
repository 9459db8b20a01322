"""The search as a scikit-learn classifier: ``fit`` runs a search on the arrays and keeps one
network of its front, picked by ``pick`` within ``max_latency_ms``; ``predict``,
``predict_proba`` and ``score`` use it, so it works wherever an estimator does (a
``Pipeline``, ``cross_val_score``). The run stays in ``out`` (a new temporary directory when
None) for export, report and study through ``run_``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data


class ParetoClassifier(ClassifierMixin, BaseEstimator):
    """``config``: a config dict, YAML path or ``Config`` for everything but the data (None:
    the defaults, an MLP space); ``budget``: evaluations; ``pick``: ``knee``, ``accuracy``
    or ``latency``, among the front members within ``max_latency_ms``."""

    def __init__(
        self,
        config: Any = None,  # noqa: ANN401 - a dict, a path or an automl.Config
        budget: int = 64,
        max_latency_ms: float | None = None,
        pick: str = "knee",
        out: str | None = None,
        workers: int | None = None,
        seed: int = 0,
        verbose: bool = False,
    ) -> None:
        self.config = config
        self.budget = budget
        self.max_latency_ms = max_latency_ms
        self.pick = pick
        self.out = out
        self.workers = workers
        self.seed = seed
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> ParetoClassifier:  # noqa: ANN401, N803 - sklearn's names
        from rich.console import Console

        from automl.api import search

        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        out = Path(self.out) if self.out else Path(tempfile.mkdtemp(prefix="automl-")) / "run"
        self.run_ = search(
            {} if self.config is None else self.config,
            data=(X, y_index),
            out=out,
            budget=self.budget,
            workers=self.workers,
            seed=self.seed,
            console=Console(quiet=not self.verbose),
        )
        self.front_ = self.run_.front
        self.chosen_ = self.run_.best(self.max_latency_ms, self.pick)
        self.model_ = self.run_.load_model(self.chosen_.trial_id)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: ANN401, N803
        import torch

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        with torch.no_grad():
            logits = self.model_(torch.from_numpy(np.ascontiguousarray(X)))
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:  # noqa: ANN401, N803
        probabilities = self.predict_proba(X)  # first: it refuses an unfitted estimator
        return self.classes_[np.argmax(probabilities, axis=1)]
