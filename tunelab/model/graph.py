"""Runs a TF.js layers topology (Sequential or functional ``Model``) with the numpy layers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .artifacts import ModelArtifacts, ModelFormatError
from .layers import Layer, UnsupportedLayerError, build_layer

#: TF.js may suffix duplicate variable names (``dense_1/kernel_3``); the layer name is the prefix.
_SUFFIX = re.compile(r"_\d+$")
_NESTED_MODELS = ("Model", "Functional", "Sequential")

TensorRef = tuple[str, int, int]


@dataclass
class _Node:
    layer: Layer
    inputs: list[TensorRef]
    output: TensorRef


class Graph:
    """An executable layer graph: ``graph(x) -> y`` for a single-input, single-output model."""

    def __init__(self, artifacts: ModelArtifacts):
        topology = artifacts.topology
        class_name = topology.get("class_name")
        config = topology.get("config")
        by_layer = _weights_by_layer(artifacts.weights)
        if class_name == "Sequential":
            layers = config if isinstance(config, list) else config.get("layers", [])
            self._build_sequential(layers, by_layer)
        elif class_name in ("Model", "Functional"):
            self._build_functional(config, by_layer)
        else:
            raise ModelFormatError(f"unknown model class {class_name!r} (expected Sequential or Model)")

    @property
    def layers(self) -> list[Layer]:
        """The layers in execution order."""
        return [node.layer for node in self._nodes]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        values: dict[TensorRef, np.ndarray] = {self._input: x.astype(np.float32, copy=False)}
        for node in self._nodes:
            values[node.output] = node.layer([values[ref] for ref in node.inputs])
        return values[self._output]

    # ------------------------------------------------------------ building

    def _build_sequential(
        self, layers: Sequence[dict[str, Any]], weights: dict[str, dict[str, np.ndarray]]
    ) -> None:
        if not layers:
            raise ModelFormatError("the Sequential model has no layers")
        first = layers[0]
        shape = first["config"].get("batch_input_shape") or first["config"].get("batch_shape")
        if shape is None:
            raise ModelFormatError("the Sequential model's first layer names no batch_input_shape")
        self.input_shape = tuple(shape[1:])
        self._input: TensorRef = ("__input__", 0, 0)
        self._nodes: list[_Node] = []
        previous = self._input
        for spec in layers:
            class_name = spec["class_name"]
            if class_name == "InputLayer":
                continue
            name = spec["config"].get("name") or spec.get("name")
            _check_not_nested(class_name, name)
            layer = build_layer(class_name, name, spec["config"], weights.get(name, {}))
            output = (name, 0, 0)
            self._nodes.append(_Node(layer, [previous], output))
            previous = output
        self._output: TensorRef = previous

    def _build_functional(self, config: dict[str, Any], weights: dict[str, dict[str, np.ndarray]]) -> None:
        inputs = config.get("input_layers") or []
        outputs = config.get("output_layers") or []
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelFormatError(
                "embedding models need one input and one output; "
                f"this one has {len(inputs)} and {len(outputs)}"
            )
        self._input = _ref(inputs[0])
        self._output = _ref(outputs[0])
        self.input_shape = ()
        pending: list[tuple[dict[str, Any], int, list[TensorRef]]] = []
        for spec in config["layers"]:
            name = spec.get("name") or spec["config"]["name"]
            class_name = spec["class_name"]
            if class_name == "InputLayer":
                if (name, 0, 0) == self._input:
                    shape = spec["config"].get("batch_input_shape") or spec["config"].get("batch_shape")
                    self.input_shape = tuple(shape[1:]) if shape else ()
                continue
            for node_index, node in enumerate(spec.get("inbound_nodes", [])):
                if isinstance(node, dict):
                    raise ModelFormatError(f"layer {name!r}: Keras 3 inbound_nodes are not supported")
                pending.append((spec, node_index, [_ref(entry) for entry in node]))
        # Layers are listed in topological order by TF.js; sort anyway, shared layers included.
        built: dict[str, Layer] = {}
        available = {self._input}
        self._nodes = []
        while pending:
            ready = [p for p in pending if all(ref in available for ref in p[2])]
            if not ready:
                missing = sorted({ref[0] for p in pending for ref in p[2] if ref not in available})
                raise ModelFormatError(f"the model graph cannot be resolved; unresolved inputs {missing}")
            for item in ready:
                spec, node_index, refs = item
                name = spec.get("name") or spec["config"]["name"]
                _check_not_nested(spec["class_name"], name)
                if name not in built:
                    built[name] = build_layer(spec["class_name"], name, spec["config"], weights.get(name, {}))
                output = (name, node_index, 0)
                self._nodes.append(_Node(built[name], refs, output))
                available.add(output)
                pending.remove(item)
        if self._output not in available:
            raise ModelFormatError(f"the model's output {self._output[0]!r} is not produced by any layer")


def _ref(entry: Sequence[Any]) -> TensorRef:
    return str(entry[0]), int(entry[1]), int(entry[2])


def _check_not_nested(class_name: str, name: str) -> None:
    if class_name in _NESTED_MODELS:
        raise UnsupportedLayerError(class_name, name, "nested models")


def _weights_by_layer(weights: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{"dense/kernel": w}`` → ``{"dense": {"kernel": w}}``."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for full_name, value in weights.items():
        layer, _, short = full_name.rpartition("/")
        out.setdefault(layer, {})[_SUFFIX.sub("", short)] = value
    return out
