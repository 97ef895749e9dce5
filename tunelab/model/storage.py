"""Saving and loading a ``TunedModel`` directory.

Layout::

    model.json          TF.js layers model (topology, weights manifest → weights.bin, metadata)
    weights.bin         the weights, concatenated in manifest order (TF.js reads these two files)
    model.safetensors   the same tensors by TF.js weight name, for PyTorch/NumPy tools
    tunelab.json        {format, formatVersion, modelVersion, contentType, itemShape, outputDim,
                         input (how items become input), tunelabVersion, files}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import ModelArtifacts, ModelFormatError

MODEL_JSON = "model.json"
WEIGHTS_BIN = "weights.bin"
SAFETENSORS = "model.safetensors"
TUNELAB_JSON = "tunelab.json"
FORMAT = "tunelab-model"
FORMAT_VERSION = 1


def save_directory(
    directory: str | os.PathLike[str], artifacts: ModelArtifacts, info: dict[str, Any]
) -> list[Path]:
    """Writes the four files into ``directory`` (created if needed); returns their paths."""
    from safetensors.numpy import save_file

    from .. import __version__

    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    weights = root / WEIGHTS_BIN
    tensors = root / SAFETENSORS
    manifest = root / MODEL_JSON
    meta = root / TUNELAB_JSON
    _write_atomic(weights, artifacts.weight_bytes())
    save_file(
        {name: np.ascontiguousarray(value) for name, value in artifacts.weights.items()},
        str(tensors),
        metadata={"format": FORMAT, "model_version": str(info.get("modelVersion", 0))},
    )
    description = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        **info,
        "tunelabVersion": __version__,
        "files": [MODEL_JSON, WEIGHTS_BIN, SAFETENSORS, TUNELAB_JSON],
    }
    _write_atomic(meta, json.dumps(description, indent=2).encode("utf-8"))
    # model.json last: a reader never sees it pointing at missing or partial weights.
    _write_atomic(manifest, json.dumps(artifacts.model_json_for(WEIGHTS_BIN)).encode("utf-8"))
    return [manifest, weights, tensors, meta]


def load_directory(path: str | os.PathLike[str]) -> tuple[ModelArtifacts, dict[str, Any]]:
    """Reads ``model.json`` (a directory holding one, or the file itself), its weight files and, if
    present, ``tunelab.json``."""
    location = Path(path)
    manifest = location / MODEL_JSON if location.is_dir() else location
    if not manifest.is_file():
        raise FileNotFoundError(f"no TF.js model at {str(location)!r} (expected {MODEL_JSON})")
    model_json = json.loads(manifest.read_text(encoding="utf-8"))
    root = manifest.parent.resolve()
    data = bytearray()
    for group in model_json.get("weightsManifest", []):
        for name in group.get("paths", []):
            file = (root / name).resolve()
            if root not in file.parents:
                raise ModelFormatError(f"weight path {name!r} in {manifest} points outside its directory")
            data += file.read_bytes()
    artifacts = ModelArtifacts.parse(model_json, bytes(data))
    meta_path = root / TUNELAB_JSON
    info: dict[str, Any] = {}
    if meta_path.is_file():
        info = json.loads(meta_path.read_text(encoding="utf-8"))
        if info.get("format") != FORMAT:
            raise ModelFormatError(f"{meta_path} is not a Tunelab model description")
    return artifacts, info


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
