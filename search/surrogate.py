"""Accuracy before training, as a mean and an uncertainty over the genome encoding: a forest
(SMAC's choice for mixed categorical and numeric spaces) whose trees disagree where the data
are thin, or a Gaussian process (Optuna's GPSampler's choice) with one length scale per
feature."""

from __future__ import annotations

import warnings
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
        from sklearn import config_context
        from sklearn.ensemble import ExtraTreesRegressor  # imported on first use: 1 s

        forest = ExtraTreesRegressor(
            n_estimators=TREES,
            min_samples_leaf=MIN_LEAF,
            max_features=MAX_FEATURES,
            bootstrap=True,
            random_state=self._seed,
            n_jobs=1,
        )
        # the checks of each tree's parameters cost a quarter of a fit on a search's few
        # dozen points; the forest's own arguments are fixed above
        with config_context(skip_parameter_validation=True):
            forest.fit(features, target)
        self._forest = forest

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._forest is None:
            raise RuntimeError("predict before fit")
        # the fitted trees' own arrays: the estimators' predict validates its input again for
        # each of the trees, which cost more than the trees themselves (64 candidates per ask)
        inputs = np.ascontiguousarray(features, dtype=np.float32)
        per_tree = np.stack(
            [
                tree.tree_.predict(inputs).reshape(len(inputs), -1)[:, 0]
                for tree in self._forest.estimators_
            ]
        )
        return per_tree.mean(axis=0), np.maximum(STD_SCALE * per_tree.std(axis=0), MIN_STD)


class GaussianProcessSurrogate:
    """A Gaussian process over the features scaled to [0, 1] by the range seen in fitting:
    Matern 5/2 with one length scale per feature (irrelevant genes grow long scales), times a
    constant, plus white noise (two trainings of one network differ). Same interface as
    ``ForestSurrogate``; seeded restarts of the kernel fit, so the same data give the same
    model."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._process = None
        self._low: np.ndarray | None = None
        self._span: np.ndarray | None = None

    @property
    def fitted(self) -> bool:
        return self._process is not None

    def fit(self, features: np.ndarray, target: np.ndarray) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        self._low = features.min(axis=0)
        self._span = np.maximum(features.max(axis=0) - self._low, 1e-9)
        kernel = ConstantKernel(1.0, (1e-3, 1e2)) * Matern(
            length_scale=np.ones(features.shape[1]), length_scale_bounds=(1e-2, 1e2), nu=2.5
        ) + WhiteKernel(1e-2, (1e-6, 1.0))
        process = GaussianProcessRegressor(
            kernel, normalize_y=True, n_restarts_optimizer=1, random_state=self._seed
        )
        with warnings.catch_warnings():  # a length scale at its upper bound: a gene that
            warnings.simplefilter("ignore", ConvergenceWarning)  # does not matter, as expected
            process.fit(self._scale(features), target)
        self._process = process

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._process is None:
            raise RuntimeError("predict before fit")
        mean, std = self._process.predict(self._scale(features), return_std=True)
        return mean, np.maximum(std, MIN_STD)

    def _scale(self, features: np.ndarray) -> np.ndarray:
        return (features - self._low) / self._span


SURROGATES = {"forest": ForestSurrogate, "gp": GaussianProcessSurrogate}
