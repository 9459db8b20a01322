"""The search space, genomes, their variation operators, graphs, modules and source code."""

from genomes.build import GraphModule
from genomes.codegen import generate_source
from genomes.errors import AutoMLError, InvalidGenomeError, SearchSpaceError
from genomes.genome import SCHEMA_VERSION, Genome, LayerGene, TrainGene
from genomes.graph import count_flops, count_params, genome_to_graph
from genomes.operators import Individual, crossover, make_toolbox, mutate
from genomes.registry import Registry
from genomes.repair import repair
from genomes.sampling import sample_genome
from genomes.space import FloatRange, IntRange, Problem, SearchSpace
from genomes.validation import validate_genome
from genomes.vocabulary import (
    ACTIVATIONS,
    DOWNSAMPLES,
    FAMILIES,
    KERNEL_SIZES,
    NORMS,
    OPTIMIZERS,
    SCHEDULES,
)

__all__ = [
    "ACTIVATIONS",
    "DOWNSAMPLES",
    "FAMILIES",
    "KERNEL_SIZES",
    "NORMS",
    "OPTIMIZERS",
    "SCHEDULES",
    "SCHEMA_VERSION",
    "AutoMLError",
    "FloatRange",
    "Genome",
    "GraphModule",
    "Individual",
    "IntRange",
    "InvalidGenomeError",
    "LayerGene",
    "Problem",
    "Registry",
    "SearchSpace",
    "SearchSpaceError",
    "TrainGene",
    "count_flops",
    "count_params",
    "crossover",
    "generate_source",
    "genome_to_graph",
    "make_toolbox",
    "mutate",
    "repair",
    "sample_genome",
    "validate_genome",
]
