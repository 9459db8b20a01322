"""Selection (NSGA-II through pymoo) and the evolutionary loop."""

from search.engine import AsyncNSGA2, Evaluator, SearchObserver, SearchSettings
from search.nsga2 import Ranking, binary_tournament, non_dominated, rank_population, survive
from search.objectives import (
    OBJECTIVES,
    Constraints,
    Measured,
    Objective,
    objective_values,
    to_minimization,
)

__all__ = [
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
