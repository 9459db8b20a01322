"""A fixed-length numeric view of genomes, for models that learn from trials (surrogates, gene
importance) and for designs that fill the space (Sobol).

Columns, all in [0, 1], derived from the schema and the space: the family one-hot, the depth,
the scaling genes, then per block slot up to the maximum depth a presence bit (for slots that
may be empty) and the block's genes, the training genes, and one bit per possible skip. Int and
float genes are their position in their range (on a log axis for log genes), ordered choices
(numbers) their rank, other choices one-hot, bools 0 or 1. Genes whose domain is one value take
no column. A gene that does not apply to the genome (a CNN gene of an MLP, a block slot past its
depth, a gene its block type does not read) encodes as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genomes.genome import GeneValues, Genome, LayerGene, ScalingGene, TrainGene
from genomes.sampling import families_for, settle_unused
from genomes.schema import Gene, GeneScope
from genomes.space import Choices, Domain, Problem, SearchSpace


@dataclass(frozen=True, slots=True)
class Column:
    """One coordinate: ``gene`` groups the columns of one gene (its space key, or
    ``family``, ``depth``, ``blocks``, ``skips``), ``label`` names this one; ``slot`` is the
    block of a layer gene's column (None elsewhere) and ``value`` the choice of a one-hot
    column (None elsewhere)."""

    gene: str
    label: str
    slot: int | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class _Block:
    """The columns of one gene value: one for numbers and ordered choices, k for one-hot."""

    gene: Gene
    domain: Domain
    start: int
    slot: int | None

    @property
    def width(self) -> int:
        return _width(self.domain)


def _width(domain: Domain) -> int:
    if domain.fixed:
        return 0
    if isinstance(domain, Choices) and not domain.ordered:
        return len(domain)
    return 1


class GenomeEncoding:
    """``encode(genome) -> np.ndarray`` and its inverse ``decode``, for one space and data."""

    def __init__(self, space: SearchSpace, problem: Problem) -> None:
        self.space = space
        self.problem = problem
        self.families = families_for(space, problem)
        self._columns: list[Column] = []
        self._blocks: dict[tuple[str, int | None], _Block] = {}
        multiple = len(self.families) > 1
        self._family_start = self._add_plain(
            "family", [f"family={f}" for f in self.families] * multiple
        )
        self._depth_col = self._add_plain("depth", ["depth"] * (not space.depth.fixed))
        for gene in self._applying(GeneScope.SCALING):
            self._add_block(gene, None)
        self._presence: dict[int, int] = {}
        for slot in range(space.depth.high):
            if slot >= space.depth.low:
                self._presence[slot] = self._add_plain("blocks", [f"block {slot} present"])
            for gene in self._applying(GeneScope.LAYER):
                self._add_block(gene, slot)
        for gene in self._applying(GeneScope.TRAINING):
            self._add_block(gene, None)
        pairs = [(s, t) for t in range(1, space.depth.high + 1) for s in range(t)]
        self._skips = pairs if space.skips else []
        self._skip_start = self._add_plain("skips", [f"skip {s}->{t}" for s, t in self._skips])
        self.columns: tuple[Column, ...] = tuple(self._columns)
        self._summarize_columns()

    @property
    def size(self) -> int:
        return len(self.columns)

    def _applying(self, scope: GeneScope) -> list[Gene]:
        """The genes of ``scope`` that apply to some family of the space on this data."""
        return [
            g
            for g in self.space.schema.scoped(scope)
            if any(g.applies(f, self.problem.is_image) for f in self.families)
        ]

    def _add_plain(self, gene: str, labels: list[str]) -> int:
        start = len(self._columns)
        self._columns += [Column(gene, label) for label in labels]
        return start

    def _add_block(self, gene: Gene, slot: int | None) -> None:
        domain = self.space.domain(gene)
        block = _Block(gene, domain, len(self._columns), slot)
        where = "" if slot is None else f"block {slot} "
        if block.width == 1:
            self._columns.append(Column(gene.key, f"{where}{gene.key}", slot))
        elif block.width > 1:
            self._columns += [
                Column(gene.key, f"{where}{gene.key}={v}", slot, str(v)) for v in domain.values
            ]
        self._blocks[gene.key, slot] = block

    def encode(self, genome: Genome) -> np.ndarray:
        x = np.zeros(self.size)
        if len(self.families) > 1:
            x[self._family_start + self.families.index(genome.family)] = 1.0
        if not self.space.depth.fixed:
            x[self._depth_col] = self.space.depth.to_unit(genome.depth)
        for slot, column in self._presence.items():
            x[column] = float(slot < genome.depth)
        for block in self._blocks.values():
            values = self._values_of(genome, block)
            if (
                values is not None
                and block.gene.applies(genome.family, self.problem.is_image)
                and block.gene.shapes(values)  # a gene the block type does not read: 0
            ):
                _encode_value(x, block, values[block.gene.name])
        for k, pair in enumerate(self._skips):
            x[self._skip_start + k] = float(pair in genome.skips)
        return x

    def encode_many(self, genomes: Sequence[Genome]) -> np.ndarray:
        return np.array([self.encode(g) for g in genomes]).reshape(len(genomes), self.size)

    def summarize(self, x: np.ndarray) -> np.ndarray:
        """A shorter view for models that learn from few trials: every layer gene's columns
        averaged over the blocks present (the share of blocks with each choice, the mean
        position of each number), the other columns as they are. Rows of ``x`` in, rows
        out, ``summary_columns`` long."""
        x = np.atleast_2d(x)
        present = np.ones((x.shape[0], self.space.depth.high))
        for slot, column in self._presence.items():
            present[:, slot] = x[:, column]
        out = []
        for key in self._summary_keys:
            columns, slots = self._summary_groups[key]
            if slots is None:
                out.append(x[:, columns[0]])
            else:
                weights = present[:, slots]
                out.append((x[:, columns] * weights).sum(axis=1) / np.maximum(weights.sum(1), 1))
        return np.column_stack(out) if out else np.zeros((x.shape[0], 0))

    def _summarize_columns(self) -> None:
        groups: dict[tuple[str, str | None, str], tuple[list[int], list[int] | None]] = {}
        for index, column in enumerate(self.columns):
            if column.slot is None:
                groups[column.gene, column.value, column.label] = ([index], None)
                continue
            key = (
                column.gene,
                column.value,
                f"{column.gene}" + (f"={column.value}" if column.value else ""),
            )
            members = groups.setdefault(key, ([], []))
            members[0].append(index)
            members[1].append(column.slot)  # type: ignore[union-attr]
        self._summary_groups = groups
        self._summary_keys = list(groups)
        self.summary_columns = tuple(key[2] for key in self._summary_keys)

    def _values_of(self, genome: Genome, block: _Block) -> GeneValues | None:
        if block.gene.scope is GeneScope.SCALING:
            return genome.scaling
        if block.slot is None:
            return genome.train
        return genome.layers[block.slot] if block.slot < genome.depth else None

    def decode(self, x: np.ndarray) -> Genome:
        """The genome a point of [0, 1]^size stands for: argmax of each one-hot block,
        nearest rank or value otherwise, skips where their bit exceeds one half. The result
        is inside the domains of the space but not repaired (``max_params`` is not applied).
        ``decode(encode(g)) == g`` for every genome of the space, floats to rounding."""
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        family = self.families[0]
        if len(self.families) > 1:
            span = x[self._family_start : self._family_start + len(self.families)]
            family = self.families[int(np.argmax(span))]
        depth = self.space.depth.low
        if not self.space.depth.fixed:
            depth = self.space.depth.from_unit(x[self._depth_col])
        layers = []
        for slot in range(depth):
            values = self._decode_scope(x, slot, family)
            layers.append(
                LayerGene(settle_unused(self.space, GeneScope.LAYER, family, self.problem, values))
            )
        train = TrainGene(self._decode_scope(x, GeneScope.TRAINING, family))
        scaling = ScalingGene(self._decode_scope(x, GeneScope.SCALING, family))
        skips = tuple(
            sorted(
                pair
                for k, pair in enumerate(self._skips)
                if pair[1] <= depth and x[self._skip_start + k] > 0.5
            )
        )
        return Genome(family, tuple(layers), train, skips, self.space.schema.version, scaling)

    def _decode_scope(self, x: np.ndarray, where: GeneScope | int, family: str) -> dict[str, Any]:
        """The genes of a genome-wide scope, or of the block in slot ``where``."""
        scope, slot = (GeneScope.LAYER, where) if isinstance(where, int) else (where, None)
        values = {}
        for gene in self.space.schema.rows(scope, family):
            if not gene.applies(family, self.problem.is_image):
                values[gene.name] = gene.fallback
                continue
            values[gene.name] = _decode_value(x, self._blocks[gene.key, slot])
        return values


def _encode_value(x: np.ndarray, block: _Block, value: Any) -> None:
    domain = block.domain
    if block.width == 0:
        return
    if not isinstance(domain, Choices):
        x[block.start] = domain.to_unit(value)
    elif domain.ordered:
        ranked = domain.ranked()
        x[block.start] = ranked.index(value) / (len(ranked) - 1)
    else:
        x[block.start + domain.index(value)] = 1.0


def _decode_value(x: np.ndarray, block: _Block) -> Any:
    domain = block.domain
    if block.width == 0:
        return domain.values[0] if isinstance(domain, Choices) else domain.low
    if not isinstance(domain, Choices):
        return domain.from_unit(x[block.start])
    if domain.ordered:
        ranked = domain.ranked()
        return ranked[int(round(x[block.start] * (len(ranked) - 1)))]
    return domain.values[int(np.argmax(x[block.start : block.start + block.width]))]
