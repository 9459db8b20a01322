"""Optuna's TPE sampler (multivariate, grouped) driven through Optuna's own ask/tell.

The genome is suggested define-by-run, one Optuna parameter per gene (per block for layer
genes: ``width_0``, ``activations_1``, ...), with distributions read off the space, so TPE's
``group`` option models each family and depth apart. Each ask uses a sampler seeded by the
search seed and the trial id, and a resumed run rebuilds the study from the told trials, so
the next asks after a resume are those of an uninterrupted run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from evaluators import TrialResult, TrialStatus, import_optional, trial_seed
from genomes import (
    STEM_BLOCK,
    Choices,
    Domain,
    FloatRange,
    GeneScope,
    Genome,
    IntRange,
    LayerGene,
    Problem,
    ScalingGene,
    SearchSpace,
    TrainGene,
    families_for,
    settle_unused,
    stem_applies,
)
from search.objectives import objective_values, to_minimization
from search.strategies.base import STRATEGIES, Strategy, StrategyContext
from search.strategies.designs import InitialDesign

Chooser = Callable[[str, Domain], Any]
STARTUP_TRIALS = 10
"""Optuna's default ``n_startup_trials``: the trials TPE draws before it models."""


def genome_from_choices(space: SearchSpace, problem: Problem, choose: Chooser) -> Genome:
    """Build a genome decision by decision (family, depth, each block's genes, training
    genes, skips); ``choose(name, domain)`` makes each decision."""
    family = choose("family", Choices(families_for(space, problem)))
    depth = choose("depth", space.depth)
    stem = {"block": STEM_BLOCK} if stem_applies(space, family, problem) else {}
    layers = tuple(
        LayerGene(
            _choose_scope(
                space, problem, GeneScope.LAYER, family, f"_{i}", choose, stem if i == 0 else None
            )
        )
        for i in range(depth)
    )
    train = TrainGene(_choose_scope(space, problem, GeneScope.TRAINING, family, "", choose))
    scaling = ScalingGene(_choose_scope(space, problem, GeneScope.SCALING, family, "", choose))
    pairs = [(s, t) for t in range(1, depth + 1) for s in range(t)] if space.skips else []
    skips = tuple(p for p in pairs if choose(f"skip_{p[0]}_{p[1]}", Choices((False, True))))
    return Genome(family, layers, train, skips, space.schema.version, scaling)


def _choose_scope(
    space: SearchSpace,
    problem: Problem,
    scope: GeneScope,
    family: str,
    suffix: str,
    choose: Chooser,
    given: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The genes of one scope, each asked of ``choose`` unless ``given`` (the stem's block
    type) or not read by the block type."""
    values: dict[str, Any] = {}
    for gene in space.schema.rows(scope, family):
        if not gene.applies(family, problem.is_image):
            values[gene.name] = gene.fallback
        elif gene.name in (given or {}):
            values[gene.name] = given[gene.name]
        elif gene.shapes(values):  # a gene the block type does not read is not asked
            values[gene.name] = choose(f"{gene.key}{suffix}", space.domain(gene))
    return settle_unused(space, scope, family, problem, values)


def suggester(trial: Any) -> Chooser:
    """Decisions as ``trial.suggest_*`` calls (fixed domains are not suggested)."""

    def choose(name: str, domain: Domain) -> Any:
        if domain.fixed:
            return _only(domain)
        if isinstance(domain, IntRange):
            return trial.suggest_int(name, domain.low, domain.high, log=domain.log)
        if isinstance(domain, FloatRange):
            return trial.suggest_float(name, domain.low, domain.high, log=domain.log)
        return trial.suggest_categorical(name, list(domain.values))

    return choose


def genome_params(
    genome: Genome, space: SearchSpace, problem: Problem
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Optuna parameters and distributions that ``suggester`` would have recorded."""
    distributions = import_optional("optuna.distributions", "tpe")
    values: dict[str, Any] = {"family": genome.family, "depth": genome.depth}
    for i, layer in enumerate(genome.layers):
        for gene in space.schema.rows(GeneScope.LAYER, genome.family):
            values[f"{gene.key}_{i}"] = layer[gene.name]
    for gene in space.schema.rows(GeneScope.TRAINING, genome.family):
        values[gene.key] = genome.train[gene.name]
    for gene in space.schema.rows(GeneScope.SCALING, genome.family):
        values[gene.key] = genome.scaling[gene.name]
    params: dict[str, Any] = {}
    dists: dict[str, Any] = {}

    def record(name: str, domain: Domain) -> Any:
        if name.startswith("skip_"):
            value = tuple(int(v) for v in name.split("_")[1:]) in genome.skips
        else:
            value = values[name]
        if not domain.fixed:
            params[name], dists[name] = value, _distribution(distributions, domain)
        return value

    genome_from_choices(space, problem, record)
    return params, dists


def _distribution(distributions: Any, domain: Domain) -> Any:
    if isinstance(domain, IntRange):
        return distributions.IntDistribution(domain.low, domain.high, log=domain.log)
    if isinstance(domain, FloatRange):
        return distributions.FloatDistribution(domain.low, domain.high, log=domain.log)
    return distributions.CategoricalDistribution(list(domain.values))


def _only(domain: Domain) -> Any:
    return domain.values[0] if isinstance(domain, Choices) else domain.low


class TPE(Strategy):
    """``TPESampler(multivariate=True, group=True)``; PRUNED trials are told as pruned and
    FAILED ones as failed (TPE models neither as good); the constraint violation is set as a
    trial constraint, which TPE ranks feasible trials by. With ``search.initial: sobol`` the
    startup trials are Sobol points enqueued into the study."""

    def __init__(self, context: StrategyContext) -> None:
        super().__init__(context)
        self._optuna = import_optional("optuna", "tpe")
        self._optuna.logging.set_verbosity(self._optuna.logging.WARNING)
        directions = ["minimize"] * len(context.settings.objectives)
        self._study = self._optuna.create_study(directions=directions)
        self._pending: dict[int, tuple[Any, Genome]] = {}
        settings = context.settings
        self._design = (
            InitialDesign("sobol", context.space, context.problem, settings.seed)
            if settings.initial == "sobol"
            else None
        )

    def _sampler(self, trial_id: int) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", self._optuna.exceptions.ExperimentalWarning)
            return self._optuna.samplers.TPESampler(
                seed=trial_seed(self.context.settings.seed, trial_id) % 2**31,
                multivariate=True,
                group=True,
            )

    def ask(self, trial_id: int, rng: np.random.Generator) -> Genome:
        space, problem = self.context.space, self.context.problem
        if trial_id in self._pending:  # a re-ask after a duplicate
            self._study.tell(self._pending.pop(trial_id)[0], state=_state(self._optuna, "FAIL"))
        self._study.sampler = self._sampler(trial_id)
        if self._design is not None and trial_id < STARTUP_TRIALS:
            params, _ = genome_params(self._design.genome(trial_id, rng), space, problem)
            self._study.enqueue_trial(params, skip_if_exists=False)
        trial = self._study.ask()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # enqueued values outside a range
            genome = genome_from_choices(space, problem, suggester(trial))
        genome = self.operators.repair(genome, rng)
        self._pending[trial_id] = (trial, genome)
        return genome

    def tell(self, trial_id: int, genome: Genome, result: TrialResult) -> None:
        trial, asked = self._pending.pop(trial_id, (None, None))
        settings = self.context.settings
        values = None
        if result.status is TrialStatus.COMPLETE:
            raw = objective_values(result, settings.objectives)
            values = [float(v) for v in to_minimization(raw, settings.objectives)]
        state = _state(self._optuna, result.status.value if result.status.trained else "FAIL")
        violation = settings.constraints.violation(result) if result.status.trained else 0.0
        constraints = {"violation": violation} if settings.constraints.active else None
        if trial is not None and asked == genome:
            if constraints is not None:
                trial.set_constraint("violation", violation)
            self._study.tell(trial, values=values, state=state)
            return
        if trial is not None:
            self._study.tell(trial, state=_state(self._optuna, "FAIL"))
        params, dists = genome_params(genome, self.context.space, self.context.problem)
        self._study.add_trial(
            self._optuna.trial.create_trial(
                params=params,
                distributions=dists,
                values=values,
                state=state,
                constraints=constraints,
            )
        )


def _state(optuna: Any, name: str) -> Any:
    return getattr(optuna.trial.TrialState, name)


STRATEGIES.register("tpe", TPE)
