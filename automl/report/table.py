"""The front as a rich table for the terminal."""

from __future__ import annotations

from rich.table import Table

from automl.run.store import TrialRecord
from genomes import Genome, LayerGene, scaled_width


def describe_genome(genome: Genome) -> str:
    """Family, blocks (channels after the width multiplier), resolution, first activation,
    optimiser, learning rate and batch size, on one line."""
    multiplier = genome.scaling.width_multiplier
    widths = "-".join(_describe_block(layer, multiplier) for layer in genome.layers)
    if genome.scaling.resolution:
        widths += f" @{genome.scaling.resolution}px"
    train = genome.train
    return (
        f"{genome.family} {widths} {genome.layers[0].activation if genome.layers else ''} "
        f"{train.optimizer} lr={train.lr:.2g} bs={train.batch_size}"
    )


def _describe_block(layer: LayerGene, multiplier: float) -> str:
    """Its width, marked ``dw`` (depthwise-separable) or ``mb<expansion>[se]:``."""
    width = scaled_width(layer.width, multiplier)
    if layer.get("block") == "dwsep":
        return f"dw{width}"
    if layer.get("block") == "mbconv":
        return f"mb{layer.expansion}{'se' if layer.se else ''}:{width}"
    return str(width)


def front_table(front: list[TrialRecord]) -> Table:
    table = Table(title=f"Pareto front ({len(front)} networks)")
    for column in (
        "trial",
        "val acc",
        "test acc",
        "latency ms",
        "params",
        "MFLOPs",
        "epochs",
        "network",
    ):
        table.add_column(column, justify="left" if column == "network" else "right")
    for r in front:
        test = "-" if r.test_accuracy is None else f"{r.test_accuracy:.4f}"
        table.add_row(
            str(r.trial_id),
            f"{r.val_accuracy:.4f}",
            test,
            f"{r.latency_ms:.4f}",
            f"{r.params:,}",
            f"{r.flops / 1e6:.3f}",
            str(r.epochs),
            describe_genome(Genome.from_json(r.genome)),
        )
    return table
