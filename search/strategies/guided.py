"""Guided evolution: NSGA-II children screened before training, in two objectives: accuracy
and one other (latency, predicted by a model; parameters, FLOPs or weight bytes, exact from
the graph).

For each ask, NSGA-II breeds ``search.guided.candidates`` children (tournament, crossover,
mutation) and a few fresh samples join them; duplicates of anything asked before are dropped.
A latency model fitted on the latencies measured so far (``search/latency_model.py``) and a
forest over the genome encoding fitted on the accuracies (``search/surrogate.py``) predict
both objectives of every candidate with an uncertainty, and the one with the highest expected
hypervolume improvement over the front (``search/ehvi.py``) is trained. Trials still running
sit on the front at their predicted values (Kriging believer), so parallel asks spread out.

Exploration is kept three ways: a startup phase of Sobol points spread over the range of
network sizes, a share of asks that take an unscreened child or a fresh sample, and the
crowding of NSGA-II's survival, which decides the parents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaluators import TrialResult, TrialStatus
from genomes import (
    Genome,
    GenomeEncoding,
    count_flops,
    count_params,
    count_weight_bytes,
    genome_to_graph,
)
from search.ehvi import log_ehvi
from search.latency_model import LatencyModel, operator_features
from search.nsga2 import non_dominated
from search.objectives import OBJECTIVES
from search.strategies.base import STRATEGIES, StrategyContext
from search.strategies.designs import SobolDesign
from search.strategies.evolution import NSGA2
from search.surrogate import SURROGATES

FRESH_SHARE = 0.125
"""Of the candidates, the share that are fresh samples of the space rather than children."""
REFIT_GROWTH = 0.05
"""Past 32 trained trials, the models are refitted once the data have grown by this share:
at sizes that depend only on the count, on the trials first told, so a resumed search
(which replays tells in their order) fits the same models as an uninterrupted one."""
_STARTUP_POOL = 64
_LIMIT_TRIES = 16
"""Draws an exploration ask makes to find a network within the limits the graph decides."""
_MIN_FIT = 3
"""Trained trials before the models predict anything."""
FEATURES = "summary"
SURROGATE_ON = "all"
"""Which trials the accuracy forest learns from: ``all`` trained ones, a PRUNED trial at its
accuracy when it stopped, or only ``complete`` ones (once there are five). Fitted on complete
trials alone, the forest never sees the networks that pruning stopped: in one tuning run
(digits, seed 102) it kept predicting 88% for learning rates near 1e-4, and 36 of the 64
trials were such networks, each stopped after one epoch. Fitted on all, a stopped network
counts as the poor one it was."""


@dataclass(frozen=True, slots=True)
class _Observation:
    trial_id: int
    genome: Genome
    features: np.ndarray
    operators: dict[str, float]
    error: float
    cost: float
    """The other objective (latency, parameters, FLOPs or weight bytes), as measured."""
    feasible: bool
    complete: bool
    own: bool
    """Trained in this run (not an earlier run's, given as a warm start)."""


class Guided(NSGA2):
    """NSGA-II whose children are chosen by expected hypervolume improvement."""

    def __init__(self, context: StrategyContext) -> None:
        super().__init__(context)
        space, problem, seed = context.space, context.problem, context.settings.seed
        self._knobs = context.settings.guided
        self._cost = next(o for o in context.settings.objectives if o != "accuracy")
        self._cost_note = (
            "predicted_latency_ms" if self._cost == "latency" else f"predicted_{self._cost}"
        )
        self._encoding = GenomeEncoding(space, problem)
        self._sobol = SobolDesign(space, problem, seed)
        self._latency = LatencyModel()
        self._surrogate = SURROGATES[self._knobs.surrogate](seed)
        self._observed: dict[int, _Observation] = {}
        self._pending: dict[int, tuple[Genome, float, float]] = {}
        self._told: set[str] = set()
        self._fitted_on = 0
        self._notes: dict[str, float] = {}
        for i, (genome, result) in enumerate(context.warm):
            self._observe(-1 - i, genome, result, own=False)
        self._warm_front = self._front_of(o for o in self._observed.values() if not o.own)

    def _front_of(self, observations) -> list[Genome]:  # noqa: ANN001 - Iterable[_Observation]
        """The non-dominated feasible genomes among ``observations``, fastest first: a warm
        start trains these first, so it starts where the earlier runs ended."""
        feasible = [o for o in observations if o.feasible]
        if not feasible:
            return []
        costs = np.array([[o.error, o.cost] for o in feasible])
        front = [feasible[i] for i in non_dominated(costs)]
        return [o.genome for o in sorted(front, key=lambda o: (o.cost, o.trial_id))]

    def notes(self) -> dict[str, float]:
        return dict(self._notes)

    # -- tell ---------------------------------------------------------------------------

    def tell(self, trial_id: int, genome: Genome, result: TrialResult) -> None:
        super().tell(trial_id, genome, result)
        self._pending.pop(trial_id, None)
        self._told.add(genome.hash())
        self._observe(trial_id, genome, result, own=True)

    def _observe(self, trial_id: int, genome: Genome, result: TrialResult, own: bool) -> None:
        cost = getattr(result, OBJECTIVES.get(self._cost).field)
        if not result.status.trained or result.val_accuracy is None or cost is None:
            return
        ((features, operators, _),) = self._describe([genome])
        self._observed[trial_id] = _Observation(
            trial_id,
            genome,
            features,
            operators,
            1.0 - result.val_accuracy,
            float(cost),
            self.context.settings.constraints.violation(result) == 0,
            result.status is TrialStatus.COMPLETE,
            own,
        )

    def _describe(
        self, genomes: list[Genome]
    ) -> list[tuple[np.ndarray, dict[str, float], dict[str, float]]]:
        """Per genome: the surrogate's features (encoding plus log size), the latency
        model's, and the objectives that the graph gives exactly (parameters, FLOPs, weight
        bytes). The encodings are summarised together: one call for all candidates of an ask."""
        graphs = [genome_to_graph(g, self.context.problem) for g in genomes]
        exact = [_exact(graph) for graph in graphs]
        x = np.array([self._encoding.encode(g) for g in genomes]).reshape(len(genomes), -1)
        if FEATURES == "summary":
            x = self._encoding.summarize(x)
        size = np.log(np.array([[e["params"], e["flops"]] for e in exact]) + 1.0)
        features = np.hstack([x, size.reshape(len(genomes), 2)])
        return [(features[i], operator_features(graphs[i]), exact[i]) for i in range(len(genomes))]

    # -- ask ----------------------------------------------------------------------------

    def ask(self, trial_id: int, rng: np.random.Generator) -> Genome:
        self._notes = {}
        asked = self._asked_hashes()
        replay = [g for g in self._warm_front if g.hash() not in asked]
        if replay:
            genome = replay[0]
            self._note_prediction(genome)
        elif len(self._observed) < self._knobs.startup or len(self.population) < 2:
            genome = self._startup(trial_id, rng)
            self._note_prediction(genome)
        elif rng.random() < self._knobs.exploration:
            genome = self._explored(rng)
            self._notes["explored"] = 1.0
            self._note_prediction(genome)
        else:
            genome = self._screened(rng)
        self._remember(trial_id, genome)
        return genome

    def _predict(self, genomes: list[Genome]) -> tuple[np.ndarray, ...]:
        """Error mean and spread, the other objective's mean and spread, and the excess over
        the limits the graph decides (parameters, FLOPs, weight bytes), per genome: latency
        from the latency model, the others exactly from the graph."""
        self._refit()
        described = self._describe(genomes)
        error_mean, error_std = self._surrogate.predict(np.array([d[0] for d in described]))
        if self._cost == "latency":
            cost_mean, cost_std = self._latency.predict([d[1] for d in described])
        else:
            cost_mean = np.array([d[2][self._cost] for d in described])
            cost_std = np.maximum(1e-6 * cost_mean, 1e-9)
        excess = np.array([self._known_excess(d[2]) for d in described])
        return np.clip(error_mean, 0.0, 1.0), error_std, cost_mean, cost_std, excess

    def _known_excess(self, exact: dict[str, float]) -> float:
        """How far a network is beyond the limits that need no training to check."""
        known = TrialResult(
            -1,
            TrialStatus.COMPLETE,
            params=int(exact["params"]),
            flops=int(exact["flops"]),
            weight_bytes=int(exact["size"]),
        )
        return self.context.settings.constraints.violation(known)

    def _note_prediction(self, genome: Genome) -> None:
        """What the models expect of an unscreened genome, kept to measure them by (the
        running trial is not believed at it: it was not chosen for it)."""
        if len(self._observed) < _MIN_FIT:
            return
        error, _, cost, _, _ = self._predict([genome])
        self._notes["predicted_accuracy"] = float(1.0 - error[0])
        self._notes[self._cost_note] = float(cost[0])

    def _startup(self, trial_id: int, rng: np.random.Generator) -> Genome:
        """The Sobol point (of the first 64 not asked yet, within the limits the graph decides
        where any is) whose size is farthest from the sizes asked so far: the first trials
        span small to large networks."""
        asked = self._asked_hashes()
        pool = [self._sobol.genome(i, rng) for i in range(_STARTUP_POOL)]
        pool = [g for g in pool if g.hash() not in asked] or [self.operators.sample(rng)]
        exact = [_exact(genome_to_graph(g, self.context.problem)) for g in pool]
        if self.context.settings.constraints.known_before_training:
            excess = np.array([self._known_excess(e) for e in exact])
            keep = np.flatnonzero(excess == excess.min())
            pool, exact = [pool[i] for i in keep], [exact[i] for i in keep]
        sizes = np.log(np.array([e["flops"] for e in exact]) + 1.0)
        taken = [self._log_flops(g) for g in self._asked_genomes()]
        if not taken:
            return pool[0]
        distance = np.min(np.abs(sizes[:, None] - np.array(taken)[None, :]), axis=1)
        return pool[int(np.argmax(distance))]

    def _explored(self, rng: np.random.Generator) -> Genome:
        """An unscreened child or fresh sample: the first of a few draws within the limits
        the graph decides, or the least beyond them."""

        def draw() -> Genome:
            return self.breed(rng) if rng.random() < 0.5 else self.operators.sample(rng)

        if not self.context.settings.constraints.known_before_training:
            return draw()
        drawn = []
        for _ in range(_LIMIT_TRIES):
            genome = draw()
            excess = self._known_excess(_exact(genome_to_graph(genome, self.context.problem)))
            if excess == 0.0:
                return genome
            drawn.append((excess, len(drawn), genome))
        return min(drawn)[2]

    def _log_flops(self, genome: Genome) -> float:
        return float(np.log(count_flops(genome_to_graph(genome, self.context.problem)) + 1.0))

    def _asked_genomes(self) -> list[Genome]:
        return (
            [o.genome for o in self._observed.values()]
            + [p[0] for p in self._pending.values()]
            + [m.genome for m in self.population]
        )

    def _asked_hashes(self) -> set[str]:
        return self._told | {p[0].hash() for p in self._pending.values()}

    def _screened(self, rng: np.random.Generator) -> Genome:
        candidates = self._candidates(rng)
        error_mean, error_std, cost_mean, cost_std, excess = self._predict(candidates)
        score = log_ehvi(
            np.column_stack([error_mean, cost_mean]),
            np.column_stack([error_std, cost_std]),
            self._front(),
            self._reference(),
        )
        limit = self.context.settings.constraints.max_latency_ms
        if limit is not None and self._cost == "latency":
            from scipy.stats import norm

            score = score + norm.logcdf((limit - cost_mean) / cost_std)
        # beyond a limit known before training: chosen only where every candidate is, and
        # then the least beyond it
        best = int(np.lexsort((-score, excess))[0])
        self._notes = {
            "candidates": float(len(candidates)),
            "predicted_accuracy": float(1.0 - error_mean[best]),
            self._cost_note: float(cost_mean[best]),
            "log_ehvi": float(score[best]),
        }
        return candidates[best]

    def _candidates(self, rng: np.random.Generator) -> list[Genome]:
        """Mutations of the front's members (``local``), children, fresh samples, and the
        members of the population that earlier runs trained but this one has not."""
        asked = self._asked_hashes()
        ranking = self.ranking()
        chosen: dict[str, Genome] = {
            m.genome.hash(): m.genome
            for m in self.population
            if m.trial_id < 0 and m.genome.hash() not in asked
        }
        total = self._knobs.candidates
        fresh = round(total * FRESH_SHARE)
        local = round(total * self._knobs.local)
        front = self._front_of(o for o in self._observed.values() if o.own) if local else []
        local = local if front else 0
        for k in range(total):
            if k < local:
                genome = self.operators.mutate(front[int(rng.integers(len(front)))], rng)
            elif k < total - fresh:
                genome = self.breed(rng, ranking)
            else:
                genome = self.operators.sample(rng)
            if genome.hash() not in asked:
                chosen.setdefault(genome.hash(), genome)
        return list(chosen.values()) or [self.operators.sample(rng)]

    def _remember(self, trial_id: int, genome: Genome) -> None:
        predicted = (
            self._notes.get("predicted_accuracy"),
            self._notes.get(self._cost_note),
        )
        if None in predicted or "log_ehvi" not in self._notes:
            self._pending[trial_id] = (genome, np.nan, np.nan)
        else:
            self._pending[trial_id] = (genome, 1.0 - predicted[0], predicted[1])

    # -- models -------------------------------------------------------------------------

    def _refit(self) -> None:
        size = fit_size(len(self._observed))
        if size == self._fitted_on:
            return
        observed = list(self._observed.values())[:size]  # in the order they were told
        trained = observed
        if SURROGATE_ON == "complete" and sum(o.complete for o in observed) >= 5:
            trained = [o for o in observed if o.complete]
        self._surrogate.fit(
            np.array([o.features for o in trained]), np.array([o.error for o in trained])
        )
        if self._cost == "latency":
            self._latency.fit([o.operators for o in observed], np.array([o.cost for o in observed]))
        self._fitted_on = size

    def _front(self) -> np.ndarray:
        """Feasible trained trials, plus the running ones at their predicted values."""
        points = [[o.error, o.cost] for o in self._observed.values() if o.feasible and o.own]
        points += [[e, t] for _, e, t in self._pending.values() if np.isfinite(e)]
        return np.array(points, dtype=float).reshape(-1, 2)

    def _reference(self) -> np.ndarray:
        """1.1 times the largest other objective measured (the slowest latency, say), and for
        the error either 1 (the run's own
        hypervolume box, ``search/hypervolume.py``) or, with ``reference: nadir``, 1.1 times
        the largest error on the current front: a network less accurate than every front
        member earns nothing for being faster still."""
        slowest = max(o.cost for o in self._observed.values())
        points = self._front()
        if self._knobs.reference == "nadir" and len(points):
            nadir = float(points[non_dominated(points), 0].max())
            return np.array([min(1.0, 1.1 * nadir + 1e-3), 1.1 * slowest])
        return np.array([1.0, 1.1 * slowest])


def _exact(graph) -> dict[str, float]:  # noqa: ANN001 - a networkx DiGraph
    """The objectives the graph gives exactly: parameters, FLOPs, weight bytes."""
    return {
        "params": float(count_params(graph)),
        "flops": float(count_flops(graph)),
        "size": float(count_weight_bytes(graph)),
    }


def fit_size(observed: int) -> int:
    """How many of the trials told so far the models are fitted on: all of them up to 32,
    then the last size of a geometric schedule (growing by ``REFIT_GROWTH``) not above."""
    if observed <= 32:
        return observed
    size = 32
    while int(np.ceil(size * (1.0 + REFIT_GROWTH))) <= observed:
        size = int(np.ceil(size * (1.0 + REFIT_GROWTH)))
    return size


STRATEGIES.register("guided", Guided)
