"""Accuracy before training: a forest over the genome encoding (SMAC's choice for mixed
categorical and numeric spaces) whose trees disagree where the data are thin; their mean and
spread are the prediction and its uncertainty."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.ensemble import ExtraTreesRegressor

TREES = 32
STD_SCALE = 1.0
MIN_LEAF = 1
MAX_FEATURES = 0.5
MIN_STD = 0.005
"""A floor on the predicted spread of the error, so that no candidate's improvement is ever
certain to be zero."""


class ForestSurrogate:
    """``fit(features, target)`` then ``predict(features) -> (mean, std)``; seeded, so the same
    data give the same model (a resumed search asks what an uninterrupted one asks)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._forest: ExtraTreesRegressor | None = None

    @property
    def fitted(self) -> bool:
        return self._forest is not None

    def fit(self, features: np.ndarray, target: np.ndarray) -> None:
        from sklearn.ensemble import ExtraTreesRegressor  # imported on first use: 1 s

        forest = ExtraTreesRegressor(
            n_estimators=TREES,
            min_samples_leaf=MIN_LEAF,
            max_features=MAX_FEATURES,
            bootstrap=True,
            random_state=self._seed,
            n_jobs=1,
        )
        forest.fit(features, target)
        self._forest = forest

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._forest is None:
            raise RuntimeError("predict before fit")
        per_tree = np.stack([tree.predict(features) for tree in self._forest.estimators_])
        return per_tree.mean(axis=0), np.maximum(STD_SCALE * per_tree.std(axis=0), MIN_STD)
