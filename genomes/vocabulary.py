"""Names of the categorical genes: the YAML vocabulary of the search space.

Training-gene names (optimizers, schedules) are only names here because ``genomes`` knows nothing
about training; ``evaluators`` maps each of them to a builder and a contract test keeps both sides
equal. Activations map to the ``torch.nn`` class that implements them.
"""

from __future__ import annotations

from genomes.registry import Registry

FAMILIES = ("mlp", "cnn", "cnn1d")
NORMS = ("none", "batch", "layer")
DOWNSAMPLES = ("none", "stride", "pool")
KERNEL_SIZES = (3, 5, 7)
BLOCKS = ("conv", "dwsep", "mbconv")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "cosine", "step", "onecycle")

ACTIVATIONS: Registry[str] = Registry("activation")
for _name, _class_name in [
    ("relu", "ReLU"),
    ("gelu", "GELU"),
    ("silu", "SiLU"),
    ("tanh", "Tanh"),
    ("leaky_relu", "LeakyReLU"),
    ("elu", "ELU"),
]:
    ACTIVATIONS.register(_name, _class_name)
