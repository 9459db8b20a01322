from __future__ import annotations

import pytest

from genomes import FloatRange, IntRange, Problem, SearchSpace, SearchSpaceError


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"depth": IntRange(3, 1)}, r"space.depth must have low <= high"),
        ({"activations": ()}, r"space.activations must list at least one choice"),
        ({"activations": ("relu", "swish")}, r"unknown choice 'swish'; allowed: .*'gelu'"),
        ({"optimizers": ("lbfgs",)}, r"space.optimizers has unknown choice 'lbfgs'"),
        ({"schedules": ("linear",)}, r"space.schedules has unknown choice 'linear'"),
        ({"families": ("transformer",)}, r"space.families has unknown choice"),
        ({"lr": FloatRange(0.0, 0.1, log=True)}, r"space.lr"),
        ({"dropout": FloatRange(0.0, 1.5)}, r"space.dropout must lie within"),
        ({"batch_sizes": (0, 32)}, r"space.batch_sizes must hold values >= 1; got \[0, 32\]"),
    ],
)
def test_bad_space_names_the_key_and_allowed_values(kwargs, message) -> None:
    with pytest.raises(SearchSpaceError, match=message):
        SearchSpace(**kwargs)


def test_cnn_on_tabular_data_is_rejected() -> None:
    space = SearchSpace(families=("mlp", "cnn"))
    with pytest.raises(SearchSpaceError, match=r"'cnn', which needs image inputs.*\[30\]"):
        space.check_problem(Problem((30,), 3))
    space.check_problem(Problem((1, 8, 8), 3))
