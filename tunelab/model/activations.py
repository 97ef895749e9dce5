"""TF.js activation functions in numpy (float32), by their serialized names."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Activation = Callable[[np.ndarray], np.ndarray]


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26, the approximation tfjs-core's Erf kernel uses (|error| < 1.5e-7)."""
    p, a1, a2, a3, a4, a5 = 0.3275911, 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429
    sign = np.sign(x)
    ax = np.abs(x)
    t = 1.0 / (1.0 + p * ax)
    y = 1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * np.exp(-ax * ax)
    return (sign * y).astype(x.dtype)


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype)


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype)


def _selu(x: np.ndarray) -> np.ndarray:
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return (scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))).astype(x.dtype)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, x).astype(x.dtype)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))).astype(x.dtype)


ACTIVATIONS: dict[str, Activation] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1).astype(x.dtype),
    "hardsigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1).astype(x.dtype),
    "elu": _elu,
    "selu": _selu,
    "softmax": _softmax,
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "gelu": lambda x: (0.5 * x * (1 + _erf(x / np.float32(np.sqrt(2))))).astype(x.dtype),
    "gelu_new": _gelu_tanh,
}


def activation(name: str | None) -> Activation:
    """The activation called ``name`` (None → linear); ``NotImplementedError`` for unknown ones."""
    key = (name or "linear").lower()
    key = {"hardsigmoid": "hard_sigmoid"}.get(key, key)
    if key not in ACTIVATIONS:
        raise NotImplementedError(f"activation {name!r} is not supported by the numpy forward pass")
    return ACTIVATIONS[key]
