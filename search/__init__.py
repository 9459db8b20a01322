"""Strategies behind ask/tell (NSGA-II through pymoo, random, Sobol, Optuna's TPE), the
engine that drives them, multi-objective pruning and hypervolume."""

from search.engine import Evaluator, PastTrial, SearchEngine, SearchObserver
from search.hypervolume import costs, hypervolume, reference_scales
from search.latency_model import LatencyModel, operator_features
from search.nsga2 import Ranking, binary_tournament, non_dominated, rank_population, survive
from search.objectives import (
    OBJECTIVES,
    Constraints,
    Measured,
    Objective,
    objective_values,
    to_minimization,
)
from search.pruning import MOASHAPruner, PruningSettings, RungHealth
from search.settings import GuidedSettings, SearchSettings
from search.strategies import (
    INITIAL_DESIGNS,
    NSGA2,
    STRATEGIES,
    TPE,
    Guided,
    Member,
    RandomSearch,
    SobolDesign,
    SobolSearch,
    Strategy,
    StrategyContext,
    make_strategy,
)
from search.synthetic import (
    SYNTHETIC_PROBLEM,
    SYNTHETIC_SPACE,
    synthetic_hypervolume,
    synthetic_trial,
)

__all__ = [
    "SYNTHETIC_PROBLEM",
    "SYNTHETIC_SPACE",
    "synthetic_hypervolume",
    "synthetic_trial",
    "INITIAL_DESIGNS",
    "NSGA2",
    "OBJECTIVES",
    "STRATEGIES",
    "TPE",
    "Constraints",
    "Evaluator",
    "Guided",
    "LatencyModel",
    "GuidedSettings",
    "MOASHAPruner",
    "Measured",
    "Member",
    "Objective",
    "PastTrial",
    "PruningSettings",
    "RandomSearch",
    "RungHealth",
    "Ranking",
    "SearchEngine",
    "SearchObserver",
    "SearchSettings",
    "SobolDesign",
    "SobolSearch",
    "Strategy",
    "StrategyContext",
    "binary_tournament",
    "costs",
    "hypervolume",
    "make_strategy",
    "non_dominated",
    "operator_features",
    "objective_values",
    "rank_population",
    "reference_scales",
    "survive",
    "to_minimization",
]
