"""One Optuna study on issue 8's reference problem: the sampler proposes the same joint space
(per-layer genes included), a plain PyTorch loop trains the network with early stopping, and
the project's latency protocol times it, so that only the search differs from ours.
Writes every trial (validation and test accuracy, latency, epochs) as JSON.

Run: .venv/bin/python -m experiments.benchmarks.optuna_baseline SAMPLER SEED TRIALS OUT.json
(SAMPLER: nsga2, tpe, random; 2 threads, as ``study.optimize(n_jobs=2)``)
"""

from __future__ import annotations

import copy
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REFERENCE = Path(__file__).with_name("reference_problem.yaml")
JOBS, PATIENCE = 2, 4


def sampler(name: str, seed: int):  # noqa: ANN201 - an optuna sampler
    import optuna

    return {
        "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed),
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True),
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
    }[name]()


def genome_from(trial, space, problem):  # noqa: ANN001, ANN201 - optuna trial -> Genome
    from genomes import Genome, LayerGene, TrainGene, repair

    family = trial.suggest_categorical("family", list(space.families))
    layers = []
    for i in range(trial.suggest_int("depth", space.depth.low, space.depth.high)):
        genes = space.width if family == "mlp" else space.channels
        width = trial.suggest_int(f"width_{i}", genes.low, genes.high, log=True)
        activation = trial.suggest_categorical(f"activation_{i}", list(space.activations))
        dropout = trial.suggest_float(f"dropout_{i}", space.dropout.low, space.dropout.high)
        if family == "mlp":
            layers.append(LayerGene(width, activation, "none", dropout))
        else:
            down = trial.suggest_categorical(f"downsample_{i}", list(space.downsamples))
            layers.append(LayerGene(width, activation, "none", dropout, 3, down))
    train = TrainGene(
        optimizer=trial.suggest_categorical("optimizer", list(space.optimizers)),
        lr=trial.suggest_float("lr", space.lr.low, space.lr.high, log=True),
        batch_size=trial.suggest_categorical("batch_size", list(space.batch_sizes)),
        weight_decay=trial.suggest_float(
            "weight_decay", space.weight_decay.low, space.weight_decay.high, log=True
        ),
        max_epochs=space.max_epochs.high,
    )
    genome = Genome(family, tuple(layers), train)
    return repair(genome, space, problem, np.random.default_rng(trial.number))


def train_plain(genome, data, seed: int):  # noqa: ANN001, ANN201 - a plain training loop
    from evaluators import build_model

    torch.manual_seed(seed)
    model = build_model(genome, data)
    gene = genome.train
    optimizer = {
        "sgd": lambda p: torch.optim.SGD(
            p, lr=gene.lr, momentum=0.9, nesterov=True, weight_decay=gene.weight_decay
        ),
        "adam": lambda p: torch.optim.Adam(p, lr=gene.lr, weight_decay=gene.weight_decay),
        "adamw": lambda p: torch.optim.AdamW(p, lr=gene.lr, weight_decay=gene.weight_decay),
    }[gene.optimizer](model.parameters())
    best, best_state, waited, epochs = -1.0, None, 0, 0
    n = data.x_train.shape[0]
    for _ in range(gene.max_epochs):
        model.train()
        order = torch.randperm(n)
        for start in range(0, n, gene.batch_size):
            index = order[start : start + gene.batch_size]
            loss = F.cross_entropy(model(data.x_train[index]), data.y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epochs += 1
        accuracy = _accuracy(model, data.x_val, data.y_val)
        if accuracy > best:
            best, best_state, waited = accuracy, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    model.load_state_dict(best_state)
    return model, best, epochs


@torch.inference_mode()
def _accuracy(model, x, y) -> float:  # noqa: ANN001
    model.eval()
    return int((model(x).argmax(1) == y).sum()) / len(y)


def main() -> None:
    import optuna

    from automl.config import load_config
    from automl.data import load_dataset
    from evaluators import DriftTracker, calibrate, measure_latency

    name, seed, trials, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    config = load_config(REFERENCE)
    splits = load_dataset(config.dataset)
    data, space, problem = splits.training_data(), config.search_space(), splits.problem
    latency = calibrate(config.evaluation_settings().latency, problem.input_shape)
    trackers = threading.local()
    records = []

    def objective(trial):  # noqa: ANN001, ANN202
        genome = genome_from(trial, space, problem)
        model, val_accuracy, epochs = train_plain(genome, data, seed * 1000 + trial.number)
        if not hasattr(trackers, "drift"):
            trackers.drift = DriftTracker()
        ms = measure_latency(model, problem.input_shape, latency, trackers.drift).latency_ms
        test_accuracy = _accuracy(model, splits.x_test, splits.y_test)
        records.append(
            {
                "val_accuracy": val_accuracy,
                "test_accuracy": test_accuracy,
                "latency_ms": ms,
                "epochs": epochs,
                "finished": time.time(),
            }  # fmt: skip
        )
        return 1.0 - val_accuracy, ms

    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler(name, seed))
    study.optimize(objective, n_trials=trials, n_jobs=JOBS)
    records.sort(key=lambda r: r["finished"])
    out.write_text(json.dumps({"reference_ms": latency.reference_ms, "trials": records}))


if __name__ == "__main__":
    main()
