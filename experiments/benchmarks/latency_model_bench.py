"""Which latency model (issue 14): networks sampled from the digits reference space are timed
with the search's latency protocol in one process, then each model is fitted on n of them
and ranks the rest (Spearman, median over 20 random splits): the per-operator cost table the
guided strategy uses (``search.LatencyModel``) against a ridge regression of log latency on
log FLOPs, log parameters, depth, graph nodes and family.

Run: .venv/bin/python -m experiments.benchmarks.latency_model_bench [--networks 150]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from scipy.stats import spearmanr

from experiments.benchmarks.common import machine, write_fragment
from experiments.benchmarks.quality_runs import PROBLEMS

SIZES = (10, 20, 40, 100)
SPLITS = 20


def measured(networks: int) -> tuple[list, np.ndarray, object]:
    import torch

    from automl.config import load_config
    from automl.data import load_dataset
    from evaluators import DriftTracker, build_model, calibrate, measure_latency
    from genomes import sample_genome

    torch.set_num_threads(1)
    config = load_config(PROBLEMS["digits"])
    splits = load_dataset(config.dataset)
    data, space, problem = splits.training_data(), config.search_space(), splits.problem
    latency = calibrate(config.evaluation_settings().latency, problem.input_shape)
    drift, rng = DriftTracker(), np.random.default_rng(0)
    genomes, times = [], []
    for _ in range(networks):
        genome = sample_genome(space, problem, rng)
        model = build_model(genome, data)
        times.append(measure_latency(model, problem.input_shape, latency, drift).latency_ms)
        genomes.append(genome)
    return genomes, np.array(times), problem


def ridge_features(genomes: list, problem) -> np.ndarray:  # noqa: ANN001
    from genomes import count_flops, count_params, genome_to_graph

    rows = []
    for genome in genomes:
        graph = genome_to_graph(genome, problem)
        rows.append(
            [
                np.log(count_flops(graph) + 1),
                np.log(count_params(graph)),
                genome.depth,
                graph.number_of_nodes(),
                float(genome.family == "cnn"),
            ]
        )
    return np.array(rows)


def held_out(fit_predict, n: int, count: int) -> float:  # noqa: ANN001
    rng = np.random.default_rng(0)
    rhos = []
    for _ in range(SPLITS):
        order = rng.permutation(count)
        rhos.append(fit_predict(order[:n], order[n:]))
    return statistics.median(rhos)


def main() -> None:
    from sklearn.linear_model import Ridge

    from genomes import genome_to_graph
    from search import LatencyModel, operator_features

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=150)
    args = parser.parse_args()
    genomes, times, problem = measured(args.networks)
    operators = [operator_features(genome_to_graph(g, problem)) for g in genomes]
    aggregate = ridge_features(genomes, problem)

    def table(train: np.ndarray, test: np.ndarray) -> float:
        model = LatencyModel()
        model.fit([operators[i] for i in train], times[train])
        return spearmanr(model.predict([operators[i] for i in test])[0], times[test]).statistic

    def ridge(train: np.ndarray, test: np.ndarray) -> float:
        model = Ridge(1.0).fit(aggregate[train], np.log(times[train]))
        return spearmanr(model.predict(aggregate[test]), times[test]).statistic

    rows = [
        "| model | " + " | ".join(f"fitted on {n}" for n in SIZES) + " |",
        "|---|" + "---|" * len(SIZES),
    ]
    for name, fit_predict in (("per-operator cost table (NNLS)", table), ("ridge on log FLOPs, "
                              "log params, depth, nodes, family", ridge)):  # fmt: skip
        cells = [f"{held_out(fit_predict, n, len(times)):.3f}" for n in SIZES]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    write_fragment(
        "latency_model",
        f"""## Latency before training: which model (issue 14)

`.venv/bin/python -m experiments.benchmarks.latency_model_bench --networks {args.networks}` on
{machine()}. {args.networks} networks sampled from the digits reference space (MLPs and CNNs),
timed in one process with the search's protocol (batch 1, one thread); Spearman rank
correlation of predicted and measured latency on the networks a model was not fitted on,
median over {SPLITS} random splits.

{chr(10).join(rows)}
""",
    )


if __name__ == "__main__":
    main()
