"""Graph -> ``nn.Module`` that runs the DAG in execution order."""

from __future__ import annotations

import copy

import networkx as nx
import torch
from torch import nn

from genomes.graph import COMBINE_OPS, INFERENCE_NO_OPS, execution_order, inputs_of
from genomes.modules import Normalize


def make_layer(op: str, args: tuple) -> nn.Module:
    """Instantiate one graph node's layer; ``op`` is a ``torch.nn`` class name or ``Normalize``."""
    if op == "Normalize":
        return Normalize(*args)
    return getattr(nn, op)(*args)


class GraphModule(nn.Module):
    """A network built from a genome graph.

    Layers are registered under their node names, the same attribute names that the generated
    standalone source uses, so state dicts move between the two unchanged.
    """

    def __init__(self, graph: nx.DiGraph) -> None:
        super().__init__()
        self._steps: list[tuple[str, list[str]]] = []
        self._products: set[str] = set()
        for node in execution_order(graph):
            op = graph.nodes[node]["op"]
            if op == "input":
                continue
            if op not in COMBINE_OPS:
                self.add_module(node, make_layer(op, graph.nodes[node]["args"]))
            elif op == "mul":
                self._products.add(node)
            self._steps.append((node, inputs_of(graph, node)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {"input": x}
        for node, sources in self._steps:
            if node in self._modules:
                values[node] = self._modules[node](values[sources[0]])
                continue
            total = values[sources[0]]
            for source in sources[1:]:
                total = total * values[source] if node in self._products else total + values[source]
            values[node] = total
        return values[node]

    def for_inference(self) -> GraphModule:
        """A copy without the operators that eval mode makes no-ops: eager PyTorch still
        pays a call for each (a Dropout made a one-block MLP 16% slower), which the network as
        deployed does not."""
        inference = copy.deepcopy(self).eval()
        passed: dict[str, str] = {}
        steps = []
        for node, sources in inference._steps:
            sources = [passed.get(source, source) for source in sources]
            module = inference._modules.get(node)
            if module is not None and type(module).__name__ in INFERENCE_NO_OPS:
                passed[node] = sources[0]
                del inference._modules[node]
            else:
                steps.append((node, sources))
        inference._steps = steps
        return inference

    def set_normalization(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Store the training split's statistics in the network's ``Normalize`` layer."""
        norm = self.get_submodule("normalize")
        norm.mean.copy_(mean.reshape(norm.mean.shape))
        norm.std.copy_(std.reshape(norm.std.shape))
