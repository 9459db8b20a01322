"""Genome -> networkx DiGraph: nodes are single torch.nn layers with their arguments, edges the
data flow. Shapes, parameters and multiply-accumulates are inferred while the graph is built, so
``count_params`` and ``count_flops`` need no forward pass.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from genomes.genome import Genome, LayerGene
from genomes.space import Problem
from genomes.vocabulary import ACTIVATIONS

COMBINE_OPS = frozenset({"add", "mul"})
"""Nodes that join their inputs elementwise and hold no layer."""

INFERENCE_NO_OPS = frozenset({"Dropout"})
"""Operators that do nothing once the network is in eval mode: no deployed form keeps them
(ONNX and ``torch.export`` in eval mode drop them), so inference runs without them."""

Shape = tuple[int, ...]


def genome_to_graph(genome: Genome, problem: Problem) -> nx.DiGraph:
    """Build the computation DAG of ``genome`` for inputs of ``problem.input_shape``.

    Every node has ``op`` (a ``torch.nn`` class name, ``Normalize``, ``input``, or ``add`` and
    ``mul``, elementwise over its inputs),
    ``args`` for the constructor, the output ``shape`` without the batch axis, ``params``,
    ``buffers`` (the statistics inference reads: input mean and spread, batch-norm running
    mean and variance) and ``macs``. The order of insertion (``index``) is the execution order.
    """
    builder = _GraphBuilder(problem.input_shape)
    channels, *spatial = problem.input_shape
    conv_data = problem.is_image or problem.is_signal  # statistics per channel
    stem_shape = (channels, *[1] * len(spatial)) if conv_data else problem.input_shape
    x = builder.layer("normalize", "input", "Normalize", stem_shape)
    side = genome.scaling.resolution
    if problem.is_image and side and problem.input_shape[1:] != (side, side):
        x = builder.layer("resize", x, "AdaptiveAvgPool2d", (side, side))  # area resampling
    if genome.family == "mlp" and len(problem.input_shape) > 1:
        x = builder.layer("flatten", x, "Flatten")
    outputs = [x]
    multiplier = genome.scaling.width_multiplier
    for index, gene in enumerate(genome.layers, start=1):
        if genome.family == "mlp":
            x = _mlp_block(builder, f"b{index}", x, gene)
        else:
            scaled = gene.replace(width=scaled_width(gene.width, multiplier))
            x = _cnn_block(builder, f"b{index}", x, scaled)
        sources = sorted(src for src, dst in genome.skips if dst == index)
        if sources:
            terms = [x] + [_project(builder, f"skip{s}_{index}", outputs[s], x) for s in sources]
            x = builder.combine(f"b{index}_add", "add", terms)
        outputs.append(x)
    if genome.family != "mlp":
        x = builder.layer("head_pool", x, builder.nd(x, "AdaptiveAvgPool"), 1)
        x = builder.layer("head_flatten", x, "Flatten")
    builder.layer("head", x, "Linear", builder.shape(x)[0], problem.num_classes)
    return builder.graph


def scaled_width(width: int, multiplier: float) -> int:
    """A convolution block's channels under the network's width multiplier."""
    return max(1, round(width * multiplier))


def count_params(graph: nx.DiGraph) -> int:
    return int(sum(data["params"] for _, data in graph.nodes(data=True)))


def count_flops(graph: nx.DiGraph) -> int:
    """FLOPs of one sample: two per multiply-accumulate in linear and convolution layers."""
    return int(2 * sum(data["macs"] for _, data in graph.nodes(data=True)))


WEIGHT_BYTES = 4
"""Bytes per stored number: networks are trained and exported in float32."""


def count_weight_bytes(graph: nx.DiGraph) -> int:
    """Bytes of the exported weights: every parameter and every statistic inference reads, in
    float32, as the state dict (``weights.pt``) holds them less its step counters and format
    overhead. An ONNX file can hold fewer, where its optimiser folds batch norms away."""
    numbers = sum(data["params"] + data["buffers"] for _, data in graph.nodes(data=True))
    return int(WEIGHT_BYTES * numbers)


def execution_order(graph: nx.DiGraph) -> list[str]:
    return sorted(graph.nodes, key=lambda n: graph.nodes[n]["index"])


def inputs_of(graph: nx.DiGraph, node: str) -> list[str]:
    """Predecessors in a fixed order (the main path first), so additions are reproducible."""
    return sorted(graph.predecessors(node), key=lambda n: graph.edges[n, node]["slot"])


def _mlp_block(builder: _GraphBuilder, name: str, x: str, gene: LayerGene) -> str:
    x = builder.layer(f"{name}_linear", x, "Linear", builder.shape(x)[0], gene.width)
    if gene.norm == "batch":
        x = builder.layer(f"{name}_norm", x, "BatchNorm1d", gene.width)
    elif gene.norm == "layer":
        x = builder.layer(f"{name}_norm", x, "LayerNorm", gene.width)
    x = builder.layer(f"{name}_act", x, ACTIVATIONS.get(gene.activation))
    if gene.dropout > 0:
        x = builder.layer(f"{name}_drop", x, "Dropout", gene.dropout)
    return x


def _cnn_block(builder: _GraphBuilder, name: str, x: str, gene: LayerGene) -> str:
    """One convolution block of the gene's type (``conv`` in genomes that predate types)."""
    kernel = gene.kernel_size or 3
    stride = 2 if gene.downsample == "stride" else 1
    block = gene.block or "conv"
    if block == "conv":
        x = _conv(builder, f"{name}_conv", x, gene.width, kernel, stride)
        x = _norm_act(builder, name, x, gene)
    elif block == "dwsep":
        x = _depthwise(builder, f"{name}_dw", x, kernel, stride)
        x = _norm_act(builder, f"{name}_dw", x, gene)
        x = _conv(builder, f"{name}_pw", x, gene.width, 1, 1)
        x = _norm_act(builder, name, x, gene)
    else:
        x = _inverted_residual(builder, name, x, gene, kernel, stride)
    if gene.downsample == "pool":
        x = builder.layer(f"{name}_pool", x, builder.nd(x, "MaxPool"), 2, 2, 0, 1, False, True)
    if gene.dropout > 0:
        x = builder.layer(f"{name}_drop", x, "Dropout", gene.dropout)
    return x


def _inverted_residual(
    builder: _GraphBuilder, name: str, x: str, gene: LayerGene, kernel: int, stride: int
) -> str:
    """MobileNet V2's block: 1x1 expansion, depthwise k x k, optional squeeze-excitation,
    linear 1x1 projection, and the input added back where the shapes agree."""
    in_channels = builder.shape(x)[0]
    expansion = gene.expansion or 1
    h = x
    if expansion > 1:
        h = _conv(builder, f"{name}_expand", h, in_channels * expansion, 1, 1)
        h = _norm_act(builder, f"{name}_expand", h, gene)
    h = _depthwise(builder, f"{name}_dw", h, kernel, stride)
    h = _norm_act(builder, f"{name}_dw", h, gene)
    if gene.se:
        h = _squeeze_excite(builder, f"{name}_se", h, gene, max(1, in_channels // 4))
    h = _conv(builder, f"{name}_project", h, gene.width, 1, 1)
    h = _norm(builder, f"{name}_project", h, gene)
    if builder.shape(h) == builder.shape(x):
        h = builder.combine(f"{name}_residual", "add", [h, x])
    return h


def _squeeze_excite(
    builder: _GraphBuilder, name: str, x: str, gene: LayerGene, squeezed: int
) -> str:
    """Channel gates from the global average: reduce, activate, expand, sigmoid, multiply."""
    channels = builder.shape(x)[0]
    conv = builder.nd(x, "Conv")
    g = builder.layer(f"{name}_pool", x, builder.nd(x, "AdaptiveAvgPool"), 1)
    g = builder.layer(f"{name}_reduce", g, conv, channels, squeezed, 1, 1, 0)
    g = builder.layer(f"{name}_act", g, ACTIVATIONS.get(gene.activation))
    g = builder.layer(f"{name}_expand", g, conv, squeezed, channels, 1, 1, 0)
    g = builder.layer(f"{name}_gate", g, "Sigmoid")
    return builder.combine(f"{name}_scale", "mul", [x, g])


def _conv(
    builder: _GraphBuilder, name: str, x: str, channels: int, kernel: int, stride: int
) -> str:
    in_channels = builder.shape(x)[0]
    args = (in_channels, channels, kernel, stride, kernel // 2)
    return builder.layer(name, x, builder.nd(x, "Conv"), *args)


def _depthwise(builder: _GraphBuilder, name: str, x: str, kernel: int, stride: int) -> str:
    channels = builder.shape(x)[0]
    args = (channels, channels, kernel, stride, kernel // 2, 1, channels)
    return builder.layer(name, x, builder.nd(x, "Conv"), *args)


def _norm(builder: _GraphBuilder, name: str, x: str, gene: LayerGene) -> str:
    channels = builder.shape(x)[0]
    if gene.norm == "batch":
        return builder.layer(f"{name}_norm", x, builder.nd(x, "BatchNorm"), channels)
    if gene.norm == "layer":
        return builder.layer(f"{name}_norm", x, "GroupNorm", 1, channels)
    return x


def _norm_act(builder: _GraphBuilder, name: str, x: str, gene: LayerGene) -> str:
    x = _norm(builder, name, x, gene)
    return builder.layer(f"{name}_act", x, ACTIVATIONS.get(gene.activation))


def _project(builder: _GraphBuilder, name: str, source: str, target: str) -> str:
    """Bring ``source`` to the shape of ``target``: pool to its size, then a 1x1 / linear map."""
    src, dst = builder.shape(source), builder.shape(target)
    x = source
    if len(dst) > 1 and src[1:] != dst[1:]:
        x = builder.layer(f"{name}_pool", x, builder.nd(x, "AdaptiveAvgPool"), dst[1:])
    if src[0] != dst[0]:
        if len(dst) > 1:
            args = (src[0], dst[0], 1, 1, 0, 1, 1, False)
            x = builder.layer(f"{name}_proj", x, builder.nd(x, "Conv"), *args)
        else:
            x = builder.layer(f"{name}_proj", x, "Linear", src[0], dst[0], False)
    return x


class _GraphBuilder:
    def __init__(self, input_shape: Shape) -> None:
        self.graph = nx.DiGraph()
        self._add_node("input", "input", (), tuple(input_shape), 0, 0, 0)

    def shape(self, node: str) -> Shape:
        return self.graph.nodes[node]["shape"]

    def nd(self, node: str, kind: str) -> str:
        """The layer of ``kind`` (``Conv``, ``BatchNorm``, ...) for the spatial dimensions of
        ``node``'s output: ``Conv2d`` on images, ``Conv1d`` on signals."""
        return f"{kind}{len(self.shape(node)) - 1}d"

    def layer(self, name: str, source: str, op: str, *args: Any) -> str:
        out_shape, params, macs = _layer_stats(op, args, self.shape(source))
        self._add_node(name, op, args, out_shape, params, _buffer_count(op, args), macs)
        self.graph.add_edge(source, name, slot=0)
        return name

    def combine(self, name: str, op: str, sources: list[str]) -> str:
        """An elementwise ``add`` or (broadcasting) ``mul`` of the sources, in their order."""
        self._add_node(name, op, (), self.shape(sources[0]), 0, 0, 0)
        for slot, source in enumerate(sources):
            self.graph.add_edge(source, name, slot=slot)
        return name

    def _add_node(
        self,
        name: str,
        op: str,
        args: tuple[Any, ...],
        shape: Shape,
        params: int,
        buffers: int,
        macs: int,
    ) -> None:
        index = self.graph.number_of_nodes()
        self.graph.add_node(
            name,
            op=op,
            args=args,
            shape=shape,
            params=params,
            buffers=buffers,
            macs=macs,
            index=index,
        )


def _layer_stats(op: str, args: tuple[Any, ...], shape: Shape) -> tuple[Shape, int, int]:
    """Output shape, parameter count and multiply-accumulates of one layer on one sample."""
    if op == "Linear":
        in_f, out_f = args[0], args[1]
        bias = args[2] if len(args) > 2 else True
        return (out_f,), in_f * out_f + (out_f if bias else 0), in_f * out_f
    if op in ("Conv1d", "Conv2d"):
        cin, cout, k, stride, pad = args[:5]
        groups = args[6] if len(args) > 6 else 1
        bias = args[7] if len(args) > 7 else True
        spatial = tuple(_conv_size(s, k, stride, pad) for s in shape[1:])
        weights = cin // groups * cout * k ** len(spatial)
        return (cout, *spatial), weights + (cout if bias else 0), weights * math.prod(spatial)
    if op in ("BatchNorm1d", "BatchNorm2d", "LayerNorm"):
        return shape, 2 * args[0], 0
    if op == "GroupNorm":
        return shape, 2 * args[1], 0
    if op in ("MaxPool1d", "MaxPool2d"):
        k, stride, pad = args[:3]
        return (shape[0], *(_conv_size(s, k, stride, pad, ceil=True) for s in shape[1:])), 0, 0
    if op in ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d"):
        size = args[0] if isinstance(args[0], tuple) else (args[0],) * (len(shape) - 1)
        return (shape[0], *size), 0, 0
    if op == "Flatten":
        return (math.prod(shape),), 0, 0
    return shape, 0, 0


def _buffer_count(op: str, args: tuple[Any, ...]) -> int:
    """Numbers a layer stores besides its parameters that inference reads (a batch norm's
    step counter is kept by the state dict but read only in training)."""
    if op == "Normalize":
        return 2 * math.prod(args[0])
    if op in ("BatchNorm1d", "BatchNorm2d"):
        return 2 * args[0]
    return 0


def _conv_size(size: int, kernel: int, stride: int, pad: int, ceil: bool = False) -> int:
    span = size + 2 * pad - kernel
    steps = -(-span // stride) if ceil else span // stride
    return steps + 1
