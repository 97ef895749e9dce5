"""``label()``/``fit()`` keyword options → the sidecar's ``SessionConfig``: model choice, Tailor, training."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .pretrained import is_encoder_dir, looks_like_hub_name, resolve_pretrained
from .protocol import BACKENDS, TRAINING_OPTIONS, TailorConfig

#: Built-in models and the content types they embed.
BUILTIN_MODELS: dict[str, tuple[str, ...]] = {
    "hashed-ngram": ("text",),
    "text-mlp": ("text",),
    "mlp": ("vector", "image"),
    "cnn": ("image",),
}
#: ``model="auto"``: the default built-in model per content type.
AUTO_MODELS = {"text": "text-mlp", "vector": "mlp", "image": "mlp"}
QUERY_ORDERS = ("active", "random", "sequential")
LOSSES = ("triplet", "infonce", "cosine")


@dataclass(frozen=True)
class Tailor:
    """Turns a general model into an embedding model (Finetuner's Tailor).

    Parameters
    ----------
    cut_at_layer:
        Name of the layer whose output becomes the embedding (default: the model's output).
    freeze:
        Freeze the base model's layers, so only the projection head trains (needs ``output_dim``).
    output_dim:
        Append a dense projection head of this width.
    """

    cut_at_layer: str | None = None
    freeze: bool = False
    output_dim: int | None = None

    def to_config(self) -> TailorConfig:
        """The wire form."""
        if self.freeze and self.output_dim is None:
            raise ValueError("Tailor(freeze=True) without output_dim leaves nothing to train; set output_dim")
        return TailorConfig(
            cut_at_layer=self.cut_at_layer, freeze=self.freeze or None, output_dim=self.output_dim
        )


def tailor_config(tailor: Tailor | dict[str, Any] | None) -> TailorConfig | None:
    """Accepts a ``Tailor`` or a dict of its fields."""
    if tailor is None:
        return None
    if isinstance(tailor, dict):
        unknown = set(tailor) - {"cut_at_layer", "freeze", "output_dim"}
        if unknown:
            raise ValueError(
                f"unknown tailor option(s) {sorted(unknown)}; use cut_at_layer, freeze and output_dim"
            )
        tailor = Tailor(**tailor)
    if not isinstance(tailor, Tailor):
        raise TypeError(f"tailor must be a dict or a tunelab.Tailor, not {type(tailor).__name__}")
    return tailor.to_config()


def resolve_model(model: str | os.PathLike[str], content_type: str) -> tuple[str, str | None]:
    """``(model, model_path)`` for the sidecar: a built-in name, ``"file"`` plus a model.json path, or
    ``"sentence-encoder"`` plus a pretrained model directory (found offline, see ``tunelab.pretrained``)."""
    if isinstance(model, str) and model in ("auto", *BUILTIN_MODELS):
        name = AUTO_MODELS[content_type] if model == "auto" else model
        if content_type not in BUILTIN_MODELS[name]:
            allowed = " or ".join(BUILTIN_MODELS[name])
            suggest = ", ".join(m for m, kinds in BUILTIN_MODELS.items() if content_type in kinds)
            raise ValueError(
                f"model={name!r} embeds {allowed} items, but this data is {content_type}; use {suggest}"
            )
        return name, None
    if isinstance(model, str) and looks_like_hub_name(model):
        return _sentence_encoder(resolve_pretrained(model), content_type)
    if isinstance(model, (str, os.PathLike)):
        path = Path(model).expanduser()
        if path.is_dir() and not (path / "model.json").is_file() and (path / "config.json").is_file():
            if not is_encoder_dir(path):
                raise FileNotFoundError(
                    f"{str(path)!r} looks like a Hugging Face model directory but lacks model.safetensors "
                    "or a tokenizer (tokenizer.json or vocab.txt)"
                )
            return _sentence_encoder(path, content_type)
        if path.is_dir():
            path = path / "model.json"
        if path.suffix == ".json":
            if not path.is_file():
                raise FileNotFoundError(f"model file {str(path)!r} does not exist")
            return "file", str(path.resolve())
        raise ValueError(
            f"model={os.fspath(model)!r} is neither a built-in model ('auto', "
            f"{', '.join(repr(m) for m in BUILTIN_MODELS)}), a pretrained sentence encoder "
            "('all-MiniLM-L6-v2', 'org/name' in the Hugging Face cache, or its directory) "
            "nor a TF.js model.json path"
        )
    raise TypeError(f"model must be a name or a model.json path, not {type(model).__name__}")


def _sentence_encoder(path: Path, content_type: str) -> tuple[str, str]:
    if content_type != "text":
        raise ValueError(f"a pretrained sentence encoder embeds text items, but this data is {content_type}")
    return "sentence-encoder", str(path.resolve())


#: ``training_mode`` of pretrained sentence encoders.
TRAINING_MODES = ("adapter", "top-layers", "full")


def training_options(options: dict[str, Any]) -> dict[str, Any]:
    """Checks training options (Python names) and drops unset ones; ``ValueError`` for unknown names."""
    unknown = set(options) - set(TRAINING_OPTIONS) - {"top_k"}
    if unknown:
        raise ValueError(
            f"unknown option(s) {sorted(unknown)}; known: {', '.join(sorted([*TRAINING_OPTIONS, 'top_k']))}"
        )
    out = {k: v for k, v in options.items() if v is not None}
    if "query_order" in out and out["query_order"] not in QUERY_ORDERS:
        raise ValueError(f"query_order={out['query_order']!r}; use one of {QUERY_ORDERS}")
    if "loss" in out and out["loss"] not in LOSSES:
        raise ValueError(f"loss={out['loss']!r}; use one of {LOSSES}")
    if "top_k" in out and not 1 <= int(out["top_k"]) <= 50:
        raise ValueError(f"top_k must be between 1 and 50, not {out['top_k']}")
    if "model_save_path" in out:
        out["model_save_path"] = os.fspath(out["model_save_path"])
    return out


def check_backend(backend: str | None) -> str | None:
    """``backend=`` checked against the protocol's names (None: the sidecar decides)."""
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}; use one of {BACKENDS}")
    return backend
