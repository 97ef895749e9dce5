"""Inference-time numpy implementations of the TF.js layers embedding models use.

Each layer is built from its serialized ``config`` and its weights (short names: ``kernel``,
``bias``, ``gamma``, …) and maps a list of input arrays (batch first, float32, channels_last) to
one output array. Dropout-like layers are the identity at inference, as in TF.js ``predict``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .activations import activation

Weights = dict[str, np.ndarray]


class UnsupportedLayerError(NotImplementedError):
    """The numpy forward pass has no implementation of a layer class (or of one of its options)."""

    def __init__(self, class_name: str, layer_name: str, detail: str = ""):
        self.class_name = class_name
        self.layer_name = layer_name
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"layer {layer_name!r} of class {class_name!r}{extra} is not supported by Tunelab's numpy "
            f"forward pass; encode through a live session (session.embed) instead. Supported: "
            f"{', '.join(sorted(LAYERS))}"
        )


class Layer:
    """One layer: ``__call__(inputs) -> output``."""

    def __init__(self, name: str, config: dict[str, Any], weights: Weights):
        self.name = name
        self.config = config
        self.weights = weights

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def weight(self, key: str) -> np.ndarray:
        if key not in self.weights:
            raise ValueError(f"layer {self.name!r} has no weight {key!r} (has: {sorted(self.weights)})")
        return self.weights[key].astype(np.float32, copy=False)

    def unsupported(self, detail: str) -> UnsupportedLayerError:
        return UnsupportedLayerError(type(self).__name__, self.name, detail)


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return (int(value[0]), int(value[1])) if len(value) > 1 else (int(value[0]), int(value[0]))
    return int(value), int(value)


def _channels_last(layer: Layer) -> None:
    fmt = layer.config.get("data_format", "channels_last")
    if fmt not in (None, "channels_last"):
        raise layer.unsupported(f"data_format={fmt!r}; only channels_last is supported")


def _same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: (before, after)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _windows(
    x: np.ndarray,
    window: tuple[int, int],
    strides: tuple[int, int],
    padding: str,
    fill: float,
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """Sliding windows over axes 1, 2 of NxHxWxC: returns NxHoxWoxCxkhxkw (a view where possible)."""
    kh = (window[0] - 1) * dilation[0] + 1
    kw = (window[1] - 1) * dilation[1] + 1
    if padding == "same":
        (top, bottom), (left, right) = (
            _same_padding(x.shape[1], kh, strides[0]),
            _same_padding(x.shape[2], kw, strides[1]),
        )
        if top or bottom or left or right:
            x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    elif padding != "valid":
        raise ValueError(f"padding {padding!r} is not supported (use 'valid' or 'same')")
    view = sliding_window_view(x, (kh, kw), axis=(1, 2))
    return view[:, :: strides[0], :: strides[1], :, :: dilation[0], :: dilation[1]]


class InputLayer(Layer):
    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return inputs[0]


class Dense(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights):
        super().__init__(name, config, weights)
        self.kernel = self.weight("kernel")
        self.bias = self.weight("bias") if config.get("use_bias", True) else None
        self.activation = activation(config.get("activation"))

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        y = x @ self.kernel if x.ndim == 2 else np.tensordot(x, self.kernel, axes=([-1], [0]))
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y.astype(np.float32, copy=False))


class ActivationLayer(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights):
        super().__init__(name, config, weights)
        self.activation = activation(config.get("activation"))

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return self.activation(inputs[0])


class Identity(Layer):
    """Dropout and noise layers: the identity at inference."""

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return inputs[0]


class Flatten(Layer):
    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        return x.reshape(len(x), -1)


class Reshape(Layer):
    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        return x.reshape(len(x), *[int(d) for d in self.config["target_shape"]])


class Permute(Layer):
    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return np.transpose(inputs[0], (0, *[int(d) for d in self.config["dims"]]))


class Merge(Layer):
    """Add, Subtract, Multiply, Average, Maximum, Minimum."""

    OPS: ClassVar[dict[str, Callable[[Sequence[np.ndarray]], np.ndarray]]] = {
        "Add": lambda xs: sum(xs[1:], xs[0]),
        "Subtract": lambda xs: xs[0] - xs[1],
        "Multiply": lambda xs: np.prod(np.stack(np.broadcast_arrays(*xs)), axis=0),
        "Average": lambda xs: sum(xs[1:], xs[0]) / np.float32(len(xs)),
        "Maximum": lambda xs: np.maximum.reduce(xs),
        "Minimum": lambda xs: np.minimum.reduce(xs),
    }

    def __init__(self, name: str, config: dict[str, Any], weights: Weights, op: str):
        super().__init__(name, config, weights)
        self.op = self.OPS[op]

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return self.op(list(inputs)).astype(np.float32, copy=False)


class Concatenate(Layer):
    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate(list(inputs), axis=int(self.config.get("axis", -1)))


class Conv2D(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights):
        super().__init__(name, config, weights)
        _channels_last(self)
        self.kernel = self.weight("kernel")  # kh x kw x C x filters
        self.bias = self.weight("bias") if config.get("use_bias", True) else None
        self.strides = _pair(config.get("strides", 1))
        self.dilation = _pair(config.get("dilation_rate", 1))
        self.padding = config.get("padding", "valid")
        self.activation = activation(config.get("activation"))
        if self.padding not in ("valid", "same"):
            raise self.unsupported(f"padding={self.padding!r}")
        if self.dilation != (1, 1) and self.strides != (1, 1):
            raise self.unsupported("dilation together with strides")

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        kh, kw = self.kernel.shape[:2]
        windows = _windows(inputs[0], (kh, kw), self.strides, self.padding, 0.0, self.dilation)
        # windows: NxHoxWoxCxkhxkw; kernel: khxkwxCxF
        y = np.tensordot(windows, self.kernel, axes=([3, 4, 5], [2, 0, 1]))
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y.astype(np.float32, copy=False))


class Pooling2D(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights, mode: str):
        super().__init__(name, config, weights)
        _channels_last(self)
        self.mode = mode
        self.pool = _pair(config.get("pool_size", 2))
        strides = config.get("strides")
        self.strides = _pair(strides) if strides is not None else self.pool
        self.padding = config.get("padding", "valid")

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        if self.mode == "max":
            return _windows(x, self.pool, self.strides, self.padding, -np.inf).max(axis=(4, 5))
        total = _windows(x, self.pool, self.strides, self.padding, 0.0).sum(axis=(4, 5))
        if self.padding == "valid":
            return (total / np.float32(self.pool[0] * self.pool[1])).astype(np.float32)
        # 'same': TF averages over the real (unpadded) values only.
        ones = np.ones((1, x.shape[1], x.shape[2], 1), dtype=np.float32)
        count = _windows(ones, self.pool, self.strides, self.padding, 0.0).sum(axis=(4, 5))
        return (total / count).astype(np.float32)


class GlobalPooling(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights, mode: str):
        super().__init__(name, config, weights)
        _channels_last(self)
        self.reduce = np.mean if mode == "avg" else np.max

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        return self.reduce(x, axis=tuple(range(1, x.ndim - 1))).astype(np.float32)


class BatchNormalization(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights):
        super().__init__(name, config, weights)
        self.axis = int(config.get("axis", -1))
        self.epsilon = float(config.get("epsilon", 1e-3))
        self.mean = self.weight("moving_mean")
        self.variance = self.weight("moving_variance")
        self.gamma = self.weight("gamma") if config.get("scale", True) else None
        self.beta = self.weight("beta") if config.get("center", True) else None

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        axis = self.axis % x.ndim
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        inv = 1.0 / np.sqrt(self.variance + np.float32(self.epsilon))
        y = (x - self.mean.reshape(shape)) * inv.reshape(shape)
        if self.gamma is not None:
            y = y * self.gamma.reshape(shape)
        if self.beta is not None:
            y = y + self.beta.reshape(shape)
        return y.astype(np.float32, copy=False)


class LayerNormalization(Layer):
    def __init__(self, name: str, config: dict[str, Any], weights: Weights):
        super().__init__(name, config, weights)
        axis = config.get("axis", -1)
        self.axes = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]
        self.epsilon = float(config.get("epsilon", 1e-3))
        self.gamma = self.weight("gamma") if config.get("scale", True) else None
        self.beta = self.weight("beta") if config.get("center", True) else None

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        axes = tuple(a % x.ndim for a in self.axes)
        mean = x.mean(axis=axes, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        y = (x - mean) / np.sqrt(variance + np.float32(self.epsilon))
        shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
        if self.gamma is not None:
            y = y * self.gamma.reshape(shape)
        if self.beta is not None:
            y = y + self.beta.reshape(shape)
        return y.astype(np.float32, copy=False)


class L2Normalize(Layer):
    """Tunelab's custom ``TunelabL2Normalize``: x / sqrt(sum(x²) + epsilon) over the last axis."""

    def __call__(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        x = inputs[0]
        epsilon = np.float32(self.config.get("epsilon", 1e-12))
        return (x / np.sqrt(np.square(x).sum(axis=-1, keepdims=True) + epsilon)).astype(np.float32)


LayerFactory = Callable[[str, dict[str, Any], Weights], Layer]

LAYERS: dict[str, LayerFactory] = {
    "InputLayer": InputLayer,
    "Dense": Dense,
    "Activation": ActivationLayer,
    "Dropout": Identity,
    "SpatialDropout1D": Identity,
    "SpatialDropout2D": Identity,
    "GaussianNoise": Identity,
    "GaussianDropout": Identity,
    "AlphaDropout": Identity,
    "ActivityRegularization": Identity,
    "Flatten": Flatten,
    "Reshape": Reshape,
    "Permute": Permute,
    "Concatenate": Concatenate,
    "Conv2D": Conv2D,
    "MaxPooling2D": lambda n, c, w: Pooling2D(n, c, w, "max"),
    "AveragePooling2D": lambda n, c, w: Pooling2D(n, c, w, "avg"),
    "GlobalAveragePooling2D": lambda n, c, w: GlobalPooling(n, c, w, "avg"),
    "GlobalMaxPooling2D": lambda n, c, w: GlobalPooling(n, c, w, "max"),
    "GlobalAveragePooling1D": lambda n, c, w: GlobalPooling(n, c, w, "avg"),
    "GlobalMaxPooling1D": lambda n, c, w: GlobalPooling(n, c, w, "max"),
    "BatchNormalization": BatchNormalization,
    "LayerNormalization": LayerNormalization,
    "TunelabL2Normalize": L2Normalize,
    **{op: functools.partial(Merge, op=op) for op in Merge.OPS},
}


def build_layer(class_name: str, name: str, config: dict[str, Any], weights: Weights) -> Layer:
    """Instantiates the numpy layer for ``class_name``; ``UnsupportedLayerError`` if there is none."""
    factory = LAYERS.get(class_name)
    if factory is None:
        raise UnsupportedLayerError(class_name, name)
    layer = factory(name, config, weights)
    layer.class_name = class_name  # type: ignore[attr-defined]
    return layer
