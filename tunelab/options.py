"""``label()``/``fit()`` keyword options → the sidecar's ``SessionConfig``: model choice, Tailor, training."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .pretrained import is_encoder_dir, looks_like_hub_name, resolve_pretrained
from .protocol import BACKENDS, CERTAINTY_OFF, TASKS, TRAINING_OPTIONS, UNCERTAINTIES, TailorConfig

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


#: Classification sessions train every this many answers unless ``update_every`` says otherwise.
CLASSIFICATION_UPDATE_EVERY = 10
#: Longest label name the protocol takes.
MAX_LABEL_LENGTH = 200


def label_key(name: str) -> str:
    """What two label names must differ in (the sidecar's ``labelKey``): NFC, trimmed, inner whitespace
    collapsed, case-folded — "Sports" and " sports " are the same label, "Sci/Tech" and "Sci Tech" are not."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name).strip()).casefold()


def check_label_list(labels: Iterable[str] | None, multi_label: bool) -> tuple[str, ...]:
    """The label names of a classification session, checked like the sidecar checks them (it stays the
    authority): a non-empty list of distinct non-blank strings, at least two unless ``multi_label``."""
    if labels is None:
        raise ValueError(
            "task='classification' needs labels=[...]: the label names, e.g. labels=['World', 'Sports']"
        )
    if isinstance(labels, str):
        raise TypeError(f"labels must be a list of names, not the string {labels!r}")
    names = list(labels)
    if not names:
        raise ValueError("labels=[] is empty: a classification session needs at least one label name")
    seen: dict[str, str] = {}
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(f"labels[{i}] must be a string, not {type(name).__name__} {name!r}")
        if not name.strip():
            raise ValueError(f"labels[{i}] is blank; every label needs a name")
        if len(name) > MAX_LABEL_LENGTH:
            raise ValueError(f"labels[{i}] is {len(name)} characters long; at most {MAX_LABEL_LENGTH}")
        key = label_key(name)
        if key in seen:
            raise ValueError(
                f"duplicate label {name!r} (labels[{i}]): it is the same as {seen[key]!r} "
                "(names are compared trimmed and case-insensitively)"
            )
        seen[key] = name
    if not multi_label and len(names) < 2:
        raise ValueError(
            f"a single-label session needs at least two labels, got {names!r}; "
            "add one or pass multi_label=True"
        )
    return tuple(names)


def classification_options(
    task: str,
    labels: Iterable[str] | None,
    multi_label: bool,
    certainty_threshold: float | None,
    uncertainty: str | None,
    diversity_weight: float | None,
) -> dict[str, Any]:
    """``SessionConfig`` members of a classification session (none for similarity), checked locally so
    mistakes fail before any upload; ``certainty_threshold=None`` turns auto-accept off."""
    if task not in TASKS:
        raise ValueError(f"task={task!r}; use one of {TASKS}")
    if task != "classification":
        if labels is not None:
            raise ValueError(f"labels= is for task='classification', but task={task!r}")
        if multi_label:
            raise ValueError(f"multi_label=True is for task='classification', but task={task!r}")
        if uncertainty is not None or diversity_weight is not None:
            raise ValueError(
                f"uncertainty= and diversity_weight= are for task='classification', but task={task!r}"
            )
        return {}
    out: dict[str, Any] = {
        "labels": check_label_list(labels, bool(multi_label)),
        "multi_label": bool(multi_label),
    }
    if certainty_threshold is None:
        out["certainty_threshold"] = CERTAINTY_OFF
    else:
        threshold = float(certainty_threshold)
        if not 0.5 < threshold <= 1:
            raise ValueError(
                f"certainty_threshold={certainty_threshold!r} must be above 0.5 and at most 1 "
                "(or None to turn auto-accept off)"
            )
        out["certainty_threshold"] = threshold
    if uncertainty is not None:
        if uncertainty not in UNCERTAINTIES:
            raise ValueError(f"uncertainty={uncertainty!r}; use one of {UNCERTAINTIES}")
        out["uncertainty"] = uncertainty
    if diversity_weight is not None:
        if not 0 <= float(diversity_weight) <= 1:
            raise ValueError(f"diversity_weight={diversity_weight!r} must lie in [0, 1]")
        out["diversity_weight"] = float(diversity_weight)
    return out
