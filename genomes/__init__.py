"""The gene schema, search space, genomes, their variation operators and numeric encoding,
graphs, modules and source code.

Every name is imported from its module on first use (``genomes.lazy``)."""

from genomes.lazy import lazy_exports

_EXPORTS = {
    "build": ("GraphModule",),
    "codegen": ("generate_source",),
    "encoding": ("Column", "GenomeEncoding"),
    "errors": ("AutoMLError", "InvalidGenomeError", "SearchSpaceError"),
    "genome": (
        "SCHEMA_VERSION",
        "GeneValues",
        "Genome",
        "LayerGene",
        "ScalingGene",
        "TrainGene",
        "layer_gene",
        "scaling_gene",
        "train_gene",
    ),
    "graph": (
        "INFERENCE_NO_OPS",
        "count_flops",
        "count_params",
        "count_weight_bytes",
        "genome_to_graph",
        "scaled_width",
    ),
    "operators": ("VariationOperators", "crossover", "mutate", "seeded_python_random"),
    "registry": ("Registry",),
    "repair": ("repair",),
    "sampling": (
        "STEM_BLOCK",
        "families_for",
        "sample_genome",
        "settle_unused",
        "stem_applies",
    ),
    "schema": ("DEFAULT_SCHEMA", "Gene", "GeneKind", "GeneSchema", "GeneScope"),
    "space": ("Choices", "Domain", "FloatRange", "IntRange", "Problem", "SearchSpace"),
    "validation": ("validate_genome",),
    "lazy": ("lazy_exports",),
    "vocabulary": (
        "ACTIVATIONS",
        "BLOCKS",
        "DOWNSAMPLES",
        "FAMILIES",
        "KERNEL_SIZES",
        "NORMS",
        "OPTIMIZERS",
        "SCHEDULES",
    ),
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(name for names in _EXPORTS.values() for name in names)
