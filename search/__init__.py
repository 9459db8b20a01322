"""Selection (NSGA-II through pymoo) and the evolutionary loop."""

from search.engine import Evaluator, PastTrial, Search, SearchObserver, SearchSettings
from search.hypervolume import costs, hypervolume, reference_scales
from search.nsga2 import Ranking, binary_tournament, non_dominated, rank_population, survive
from search.objectives import (
    OBJECTIVES,
    Constraints,
    Measured,
    Objective,
    objective_values,
    to_minimization,
)
from search.pruning import MOASHAPruner, PruningSettings
from search.strategies import (
    STRATEGIES,
    AsyncNSGA2,
    GenerationalNSGA2,
    RandomSearch,
    make_search,
)

__all__ = [
    "MOASHAPruner",
    "PruningSettings",
    "costs",
    "hypervolume",
    "reference_scales",
    "STRATEGIES",
    "GenerationalNSGA2",
    "PastTrial",
    "RandomSearch",
    "Search",
    "make_search",
    "OBJECTIVES",
    "AsyncNSGA2",
    "Constraints",
    "Evaluator",
    "Measured",
    "Objective",
    "Ranking",
    "SearchObserver",
    "SearchSettings",
    "binary_tournament",
    "non_dominated",
    "objective_values",
    "rank_population",
    "survive",
    "to_minimization",
]
