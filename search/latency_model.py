"""Latency before training: a per-operator cost table fitted online on the latencies measured
so far in the run (the nn-Meter idea).

A network's latency is close to the sum of its kernels' costs, and at the sizes searched
here a kernel costs a fixed dispatch overhead plus terms in its multiply-accumulates and
output elements, each depending on the operator. So every graph becomes, per operator type,
(calls, MACs, output elements), and latency is fitted as a non-negative combination of those
columns plus a constant (non-negative least squares, lightly ridge-regularised so that 10
trials already give a usable table). On 150 networks of the reference space its rank
correlation with measured eager latency was 0.90 after 10 trials and 0.95 after 20 (out of
sample; ``experiments/RESULTS.md``); a log-linear fit on FLOPs, parameters and depth reached
only 0.94 however many trials it saw.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from scipy.optimize import nnls

from genomes import INFERENCE_NO_OPS

_RIDGE = 0.1
_MIN_RELATIVE_STD = 0.05


def operator_features(graph: nx.DiGraph) -> dict[str, float]:
    """Per operator type in the graph: calls, MACs and output elements of one sample."""
    features: dict[str, float] = {}
    for _, node in graph.nodes(data=True):
        op = node["op"]
        if op == "input" or op in INFERENCE_NO_OPS:  # not timed: see GraphModule.for_inference
            continue
        if op in ("Conv1d", "Conv2d") and len(node["args"]) > 6 and node["args"][6] > 1:
            op = f"{op} grouped"  # a depthwise kernel costs per MAC unlike a dense one
        features[f"{op} calls"] = features.get(f"{op} calls", 0.0) + 1.0
        features[f"{op} macs"] = features.get(f"{op} macs", 0.0) + float(node["macs"])
        elements = float(np.prod(node["shape"])) if node["shape"] else 0.0
        features[f"{op} elements"] = features.get(f"{op} elements", 0.0) + elements
    return features


class LatencyModel:
    """``fit`` on measured (features, latency ms) pairs, ``predict`` a mean and a standard
    deviation per network. Columns are the operator terms seen in the training networks; an
    operator never measured costs nothing until it is."""

    def __init__(self) -> None:
        self._columns: list[str] = []
        self._scale = np.ones(1)
        self._weights = np.zeros(1)
        self._relative_std = 1.0
        self.fitted = False

    def fit(self, features: Sequence[dict[str, float]], latency_ms: np.ndarray) -> None:
        latency_ms = np.asarray(latency_ms, dtype=float)
        self._columns = sorted({name for row in features for name in row})
        design = self._design(features)
        self._scale = design.max(axis=0) + 1e-12
        scaled = design / self._scale
        k = scaled.shape[1]
        penalty = np.sqrt(_RIDGE) * float(latency_ms.mean()) * np.eye(k)
        self._weights, _ = nnls(
            np.vstack([scaled, penalty]), np.concatenate([latency_ms, np.zeros(k)])
        )
        fitted = np.maximum(scaled @ self._weights, 1e-9)
        residual = np.log(np.maximum(latency_ms, 1e-9) / fitted)  # a no-op trial measures 0
        inflation = np.sqrt(len(latency_ms) / max(len(latency_ms) - k / 4, 1.0))
        self._relative_std = float(np.sqrt(np.mean(residual**2))) * inflation
        self.fitted = True

    def _design(self, features: Sequence[dict[str, float]]) -> np.ndarray:
        rows = [[row.get(name, 0.0) for name in self._columns] + [1.0] for row in features]
        return np.array(rows, dtype=float).reshape(len(features), len(self._columns) + 1)

    def predict(self, features: Sequence[dict[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Mean latency (ms) and its standard deviation, per network."""
        mean = np.maximum((self._design(features) / self._scale) @ self._weights, 1e-6)
        std = mean * max(self._relative_std, _MIN_RELATIVE_STD)
        return mean, std
