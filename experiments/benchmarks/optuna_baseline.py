"""One Optuna study on a benchmark problem, run as Optuna documents parallel optimisation:
several processes share one ``JournalStorage`` file and each optimises its share of the
trials. The sampler proposes the same joint space as the project (its conditional,
define-by-run form: ``search.strategies.tpe.genome_from_choices``; for the GP sampler an
unconditional form, every gene of every block always suggested, as a GP user would), a
plain PyTorch loop trains the network with early stopping, and the project's latency
protocol times it, so that only the search differs. Writes every trial (validation and test
accuracy, latency relative to the reference MLP timed in the same process, epochs, finish
time) as JSON.

Run: .venv/bin/python -m experiments.benchmarks.optuna_baseline SAMPLER SEED TRIALS OUT.json
     CONFIG.yaml [--jobs 2]      (SAMPLER: tpe, gp, nsga2, random)
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

PATIENCE = 4


def make_sampler(name: str, seed: int):  # noqa: ANN201 - an optuna sampler
    import optuna

    return {
        "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed),
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True),
        "gp": lambda: optuna.samplers.GPSampler(seed=seed),
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
    }[name]()


def unconditional_genome(trial, space, problem):  # noqa: ANN001, ANN201 - for the GP sampler
    """Every gene of every block suggested whatever the family and depth (a GP needs one fixed
    space); the genome then takes the blocks and genes it uses."""
    from search.strategies.tpe import genome_from_choices, suggester

    suggest = suggester(trial)
    values = {}
    depth = space.depth.high
    for name, domain in _all_decisions(space, problem, depth):
        values[name] = suggest(name, domain)
    return genome_from_choices(space, problem, lambda name, domain: values[name])


def _all_decisions(space, problem, depth):  # noqa: ANN001, ANN202
    from genomes import Choices, GeneScope, families_for

    families = families_for(space, problem)
    yield "family", Choices(families)
    yield "depth", space.depth
    for gene in space.schema.scoped(GeneScope.SCALING):
        if any(gene.applies(family, problem.is_image) for family in families):
            yield gene.key, space.domain(gene)
    for i in range(depth):
        seen = set()
        for family in families:
            for gene in space.schema.rows(GeneScope.LAYER, family):
                key = f"{gene.key}_{i}"
                if gene.applies(family, problem.is_image) and key not in seen:
                    seen.add(key)
                    yield key, space.domain(gene)
    for gene in space.schema.rows(GeneScope.TRAINING, families[0]):
        if gene.applies(families[0], problem.is_image):
            yield gene.key, space.domain(gene)
    if space.skips:
        for t in range(1, depth + 1):
            for s in range(t):
                yield f"skip_{s}_{t}", Choices((False, True))


def train_plain(genome, data, seed: int, max_epochs: int):  # noqa: ANN001, ANN201
    """A plain PyTorch loop: the genome's optimizer, full-batch shuffles, early stopping on
    validation accuracy with patience 4, the best weights kept."""
    from evaluators import as_model_input, build_model

    torch.manual_seed(seed)
    model = build_model(genome, data)
    gene = genome.train
    optimizer = {
        "sgd": lambda p: torch.optim.SGD(
            p, lr=gene.lr, momentum=0.9, nesterov=True, weight_decay=gene.weight_decay
        ),
        "adam": lambda p: torch.optim.Adam(p, lr=gene.lr, weight_decay=gene.weight_decay),
        "adamw": lambda p: torch.optim.AdamW(p, lr=gene.lr, weight_decay=gene.weight_decay),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=gene.lr, weight_decay=gene.weight_decay),
    }[gene.optimizer](model.parameters())
    x_train, x_val = as_model_input(data.x_train), as_model_input(data.x_val)
    best, best_state, waited, epochs = -1.0, None, 0, 0
    n = x_train.shape[0]
    for _ in range(min(gene.max_epochs, max_epochs)):
        model.train()
        order = torch.randperm(n)
        for start in range(0, n, gene.batch_size):
            index = order[start : start + gene.batch_size]
            loss = F.cross_entropy(model(x_train[index]), data.y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epochs += 1
        accuracy = _accuracy(model, x_val, data.y_val)
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


def worker(args: argparse.Namespace) -> None:
    """One of the processes: its share of the trials, on the shared journal."""
    import optuna

    from automl.config import load_config
    from automl.data import load_dataset
    from evaluators import DriftTracker, as_model_input, calibrate, measure_latency
    from search.strategies.tpe import genome_from_choices, suggester

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    config = load_config(args.config)
    splits = load_dataset(config.dataset)
    data, space, problem = splits.training_data(), config.search_space(), splits.problem
    latency = calibrate(config.evaluation_settings().latency, problem.input_shape)
    drift = DriftTracker()
    x_test = as_model_input(splits.x_test)
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(args.journal))
    )
    study = optuna.load_study(
        study_name="bench", storage=storage, sampler=make_sampler(args.sampler, args.worker_seed)
    )
    records = []

    def objective(trial):  # noqa: ANN001, ANN202
        if args.sampler == "gp":
            genome = unconditional_genome(trial, space, problem)
        else:
            genome = genome_from_choices(space, problem, suggester(trial))
        genome = space_repair(genome, space, problem, trial.number)
        seed = args.seed * 1000 + trial.number
        model, val_accuracy, epochs = train_plain(genome, data, seed, config.evaluator.max_epochs)
        ms = measure_latency(model, problem.input_shape, latency, drift).latency_ms
        records.append(
            {
                "val_accuracy": val_accuracy,
                "test_accuracy": _accuracy(model, x_test, splits.y_test),
                "latency": ms / latency.reference_ms,
                "epochs": epochs,
                "number": trial.number,
                "finished": time.time(),
            }  # fmt: skip
        )
        return 1.0 - val_accuracy, ms

    study.optimize(objective, n_trials=args.trials)
    args.out.write_text(json.dumps(records))


def space_repair(genome, space, problem, number: int):  # noqa: ANN001, ANN201
    from genomes import repair

    return repair(genome, space, problem, np.random.default_rng(number))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sampler", choices=["tpe", "gp", "nsga2", "random"])
    parser.add_argument("seed", type=int)
    parser.add_argument("trials", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("config", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--worker-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--journal", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_of is not None:
        worker(args)
        return
    import optuna

    journal = args.out.with_suffix(".journal")
    journal.unlink(missing_ok=True)
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(journal))
    )
    optuna.create_study(study_name="bench", storage=storage, directions=["minimize"] * 2)
    shares = [args.trials // args.jobs + (j < args.trials % args.jobs) for j in range(args.jobs)]
    outs = [args.out.with_suffix(f".{j}.json") for j in range(args.jobs)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "experiments.benchmarks.optuna_baseline",
                args.sampler,
                str(args.seed),
                str(share),
                str(out),
                str(args.config),
                "--worker-of",
                str(args.out),
                "--journal",
                str(journal),
                "--worker-seed",
                str(args.seed * 100 + j),
            ]  # fmt: skip
        )
        for j, (share, out) in enumerate(zip(shares, outs, strict=True))
    ]
    if any(proc.wait() != 0 for proc in procs):
        raise SystemExit("an Optuna worker process failed")
    trials = sorted(
        (r for out in outs for r in json.loads(out.read_text())), key=lambda r: r["finished"]
    )
    args.out.write_text(json.dumps({"trials": trials}))
    for path in [*outs, journal]:
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
