"""The strategies by their ``search.strategy`` names; importing a module registers it."""

from search.strategies import evolution, guided, sampling, tpe
from search.strategies.base import STRATEGIES, Strategy, StrategyContext, make_strategy
from search.strategies.designs import INITIAL_DESIGNS, InitialDesign, SobolDesign
from search.strategies.evolution import NSGA2, Member
from search.strategies.guided import Guided
from search.strategies.sampling import RandomSearch, SobolSearch
from search.strategies.tpe import TPE

__all__ = [
    "INITIAL_DESIGNS",
    "NSGA2",
    "STRATEGIES",
    "TPE",
    "Guided",
    "InitialDesign",
    "Member",
    "RandomSearch",
    "SobolDesign",
    "SobolSearch",
    "Strategy",
    "StrategyContext",
    "evolution",
    "guided",
    "make_strategy",
    "sampling",
    "tpe",
]
