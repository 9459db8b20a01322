"""The gene schema, search space, genomes, their variation operators and numeric encoding,
graphs, modules and source code."""

from genomes.build import GraphModule
from genomes.codegen import generate_source
from genomes.encoding import Column, GenomeEncoding
from genomes.errors import AutoMLError, InvalidGenomeError, SearchSpaceError
from genomes.genome import (
    SCHEMA_VERSION,
    GeneValues,
    Genome,
    LayerGene,
    TrainGene,
    layer_gene,
    train_gene,
)
from genomes.graph import count_flops, count_params, genome_to_graph
from genomes.operators import VariationOperators, crossover, mutate, seeded_python_random
from genomes.registry import Registry
from genomes.repair import repair
from genomes.sampling import families_for, sample_genome
from genomes.schema import DEFAULT_SCHEMA, Gene, GeneKind, GeneSchema, GeneScope
from genomes.space import Choices, Domain, FloatRange, IntRange, Problem, SearchSpace
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
    "DEFAULT_SCHEMA",
    "DOWNSAMPLES",
    "FAMILIES",
    "KERNEL_SIZES",
    "NORMS",
    "OPTIMIZERS",
    "SCHEDULES",
    "SCHEMA_VERSION",
    "AutoMLError",
    "Choices",
    "Column",
    "Domain",
    "FloatRange",
    "Gene",
    "GeneKind",
    "GeneSchema",
    "GeneScope",
    "GeneValues",
    "Genome",
    "GenomeEncoding",
    "GraphModule",
    "IntRange",
    "InvalidGenomeError",
    "LayerGene",
    "Problem",
    "Registry",
    "SearchSpace",
    "SearchSpaceError",
    "TrainGene",
    "VariationOperators",
    "count_flops",
    "count_params",
    "crossover",
    "families_for",
    "generate_source",
    "genome_to_graph",
    "layer_gene",
    "mutate",
    "repair",
    "sample_genome",
    "seeded_python_random",
    "train_gene",
    "validate_genome",
]
