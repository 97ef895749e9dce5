"""A BERT encoder (Hugging Face ``BertModel``) in numpy, float32, for inference.

Same arithmetic as ``transformers``' BertModel in eval mode: embeddings (word + absolute position +
token type 0) and LayerNorm, then per layer multi-head self-attention with an additive padding mask,
residual + LayerNorm, the feed-forward block (GELU as ``hidden_act`` says) and residual + LayerNorm.
Weights are read from ``model.safetensors`` by their Hugging Face names (a ``bert.`` prefix and the old
``gamma``/``beta`` LayerNorm names are accepted, as transformers does).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .activations import activation

SUPPORTED_MODEL_TYPES = ("bert",)
SUPPORTED_ACTIVATIONS = ("gelu", "gelu_new", "relu")
# Additive attention bias on padding keys: exp() of it underflows to exactly 0 after the softmax shift.
_MASKED = np.float32(-1e9)


@dataclass(frozen=True)
class BertConfig:
    """The part of ``config.json`` a BERT encoder needs."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    hidden_act: str

    @classmethod
    def read(cls, file: Path) -> BertConfig:
        """Reads and checks ``config.json``; ``ValueError`` naming the file for what is not supported."""
        cfg = read_json(file)
        model_type = str(cfg.get("model_type", "bert"))
        if model_type not in SUPPORTED_MODEL_TYPES:
            raise ValueError(
                f"{file}: model_type {model_type!r} is not supported "
                f"(supported: {', '.join(SUPPORTED_MODEL_TYPES)})"
            )
        positions = cfg.get("position_embedding_type", "absolute")
        if positions != "absolute":
            raise ValueError(
                f"{file}: position_embedding_type {positions!r} is not supported (only absolute)"
            )
        act = str(cfg.get("hidden_act", "gelu"))
        if act not in SUPPORTED_ACTIVATIONS:
            raise ValueError(
                f"{file}: hidden_act {act!r} is not supported ({', '.join(SUPPORTED_ACTIVATIONS)})"
            )

        def num(key: str, default: float | None = None) -> Any:
            value = cfg.get(key, default)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"{file}: {key!r} must be a number, got {value!r}")
            return value

        config = cls(
            vocab_size=int(num("vocab_size")),
            hidden_size=int(num("hidden_size")),
            num_hidden_layers=int(num("num_hidden_layers")),
            num_attention_heads=int(num("num_attention_heads")),
            intermediate_size=int(num("intermediate_size")),
            max_position_embeddings=int(num("max_position_embeddings")),
            type_vocab_size=int(num("type_vocab_size", 2)),
            layer_norm_eps=float(num("layer_norm_eps", 1e-12)),
            hidden_act=act,
        )
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(f"{file}: hidden_size must be a multiple of num_attention_heads")
        return config

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every BertModel tensor this encoder uses, by Hugging Face name."""
        h, inter = self.hidden_size, self.intermediate_size
        shapes: dict[str, tuple[int, ...]] = {
            "embeddings.word_embeddings.weight": (self.vocab_size, h),
            "embeddings.position_embeddings.weight": (self.max_position_embeddings, h),
            "embeddings.token_type_embeddings.weight": (self.type_vocab_size, h),
            "embeddings.LayerNorm.weight": (h,),
            "embeddings.LayerNorm.bias": (h,),
        }
        for i in range(self.num_hidden_layers):
            p = f"encoder.layer.{i}."
            for s in ("attention.self.query", "attention.self.key", "attention.self.value"):
                shapes[f"{p}{s}.weight"] = (h, h)
                shapes[f"{p}{s}.bias"] = (h,)
            shapes[f"{p}attention.output.dense.weight"] = (h, h)
            shapes[f"{p}attention.output.dense.bias"] = (h,)
            shapes[f"{p}intermediate.dense.weight"] = (inter, h)
            shapes[f"{p}intermediate.dense.bias"] = (inter,)
            shapes[f"{p}output.dense.weight"] = (h, inter)
            shapes[f"{p}output.dense.bias"] = (h,)
            for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
                shapes[f"{p}{ln}.weight"] = (h,)
                shapes[f"{p}{ln}.bias"] = (h,)
        return shapes


def read_json(file: Path) -> dict[str, Any]:
    """A JSON object file; ``ValueError`` naming the file if it is missing or not an object."""
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{file} is missing") from None
    except (OSError, ValueError) as err:
        raise ValueError(f"{file} cannot be read as JSON: {err}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{file} must hold a JSON object")
    return value


def canonical_name(name: str) -> str:
    """Checkpoint name → BertModel name (drops ``bert.``, maps LayerNorm ``gamma``/``beta``)."""
    name = re.sub(r"^bert\.", "", name)
    return re.sub(
        r"LayerNorm\.gamma$", "LayerNorm.weight", re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", name)
    )


def read_safetensors(file: Path) -> dict[str, np.ndarray]:
    """Float tensors of a safetensors file as float32 numpy arrays (integer buffers are skipped)."""
    from safetensors import safe_open

    if not file.is_file():
        raise ValueError(f"{file} is missing (PyTorch .bin checkpoints are not read)")
    out: dict[str, np.ndarray] = {}
    try:
        with safe_open(str(file), framework="numpy") as f:
            for name in f.keys():  # noqa: SIM118 (safe_open is not a mapping)
                value = f.get_tensor(name)
                if np.issubdtype(value.dtype, np.floating):
                    out[name] = np.asarray(value, dtype=np.float32)
    except (OSError, ValueError, TypeError) as err:
        raise ValueError(f"{file} cannot be read as float32 safetensors: {err}") from None
    return out


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    variance = np.mean(centered * centered, axis=-1, keepdims=True)
    return centered / np.sqrt(variance + np.float32(eps)) * weight + bias


class NumpyBert:
    """BERT forward pass over a padded batch; weights kept as ``[in, out]`` so matmuls need no transpose."""

    def __init__(self, config: BertConfig, tensors: dict[str, np.ndarray], source: Path):
        self.config = config
        weights: dict[str, np.ndarray] = {}
        for name, value in tensors.items():
            weights[canonical_name(name)] = value
        self._w: dict[str, np.ndarray] = {}
        for name, shape in config.expected_shapes().items():
            value = weights.get(name)
            if value is None:
                raise ValueError(f"{source} has no tensor {name!r}")
            if tuple(value.shape) != shape:
                raise ValueError(
                    f"{source}: tensor {name!r} has shape {list(value.shape)}, "
                    f"config.json implies {list(shape)}"
                )
            is_linear = value.ndim == 2 and not name.startswith("embeddings.")
            self._w[name] = np.ascontiguousarray(value.T if is_linear else value, dtype=np.float32)
        self._act = activation(config.hidden_act)

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        weight = self._w[f"{prefix}.weight"]
        # One 2-D GEMM: numpy runs a stacked (3-D @ 2-D) matmul about 10x slower.
        y = x.reshape(-1, x.shape[-1]) @ weight
        y += self._w[f"{prefix}.bias"]
        return y.reshape(*x.shape[:-1], weight.shape[1])

    def _ln(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return _layer_norm(
            x, self._w[f"{prefix}.weight"], self._w[f"{prefix}.bias"], self.config.layer_norm_eps
        )

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Token embeddings ``[batch, seq, hidden]`` of ``input_ids``, ``attention_mask`` ``[batch, seq]``."""
        c = self.config
        batch, seq = input_ids.shape
        if seq > c.max_position_embeddings:
            raise ValueError(
                f"sequence length {seq} exceeds max_position_embeddings {c.max_position_embeddings}"
            )
        w = self._w
        x = (
            w["embeddings.word_embeddings.weight"][input_ids]
            + w["embeddings.position_embeddings.weight"][:seq]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, "embeddings.LayerNorm")
        heads = c.num_attention_heads
        head_dim = c.hidden_size // heads
        scale = np.float32(1 / np.sqrt(head_dim))
        mask_bias = ((1 - attention_mask.astype(np.float32)) * _MASKED)[:, None, None, :]

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, seq, heads, head_dim).transpose(0, 2, 1, 3)

        for i in range(c.num_hidden_layers):
            p = f"encoder.layer.{i}."
            q = split(self._dense(x, f"{p}attention.self.query"))
            k = split(self._dense(x, f"{p}attention.self.key"))
            v = split(self._dense(x, f"{p}attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + mask_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, c.hidden_size)
            attended = self._ln(
                self._dense(context, f"{p}attention.output.dense") + x, f"{p}attention.output.LayerNorm"
            )
            inner = self._act(self._dense(attended, f"{p}intermediate.dense"))
            x = self._ln(self._dense(inner, f"{p}output.dense") + attended, f"{p}output.LayerNorm")
        return x.astype(np.float32, copy=False)
