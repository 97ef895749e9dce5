"""TF.js layers-model artifacts: ``model.json`` (topology, weights manifest, metadata) + weight bytes.

The weights manifest lists ``{name, shape, dtype}`` entries whose raw little-endian values are
concatenated, in manifest order, across the files named in ``paths`` (``weights.bin``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: TF.js weight dtypes and their numpy equivalents (little-endian, as TF.js writes them).
_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "|b1", "uint8": "|u1", "float16": "<f2"}
#: Key of Tunelab's entry in ``userDefinedMetadata``.
METADATA_KEY = "tunelab"


class ModelFormatError(ValueError):
    """A model.json or weights file that cannot be read."""


@dataclass
class ModelArtifacts:
    """A parsed TF.js layers model: its ``model.json`` dict and its weights by name, in manifest order."""

    model_json: dict[str, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def topology(self) -> dict[str, Any]:
        """``modelTopology``: ``{"class_name": "Model" | "Sequential", "config": ...}``."""
        topology = self.model_json.get("modelTopology")
        if not isinstance(topology, dict):
            raise ModelFormatError("model.json has no modelTopology (is it a TF.js layers model?)")
        return topology.get("model_config", topology)

    @property
    def metadata(self) -> dict[str, Any]:
        """Tunelab's metadata (``userDefinedMetadata.tunelab``), ``{}`` for foreign models."""
        meta = self.model_json.get("userDefinedMetadata") or {}
        value = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
        return value if isinstance(value, dict) else {}

    @classmethod
    def parse(cls, model_json: str | bytes | dict[str, Any], weight_data: bytes) -> ModelArtifacts:
        """Reads model.json (text or dict) and the concatenated weight bytes of its manifest."""
        if isinstance(model_json, (str, bytes)):
            try:
                model_json = json.loads(model_json)
            except json.JSONDecodeError as err:
                raise ModelFormatError(f"model.json is not valid JSON: {err}") from err
        if not isinstance(model_json, dict) or "modelTopology" not in model_json:
            raise ModelFormatError("model.json has no modelTopology (is it a TF.js layers model?)")
        weights: dict[str, np.ndarray] = {}
        offset = 0
        for group in model_json.get("weightsManifest", []):
            for spec in group.get("weights", []):
                if spec.get("quantization"):
                    raise ModelFormatError(
                        f"weight {spec['name']!r} is quantized; quantized models are not supported"
                    )
                dtype = _DTYPES.get(spec.get("dtype", "float32"))
                if dtype is None:
                    raise ModelFormatError(
                        f"weight {spec['name']!r} has unsupported dtype {spec.get('dtype')!r}"
                    )
                shape = tuple(int(d) for d in spec["shape"])
                count = int(np.prod(shape, dtype=np.int64))
                size = count * np.dtype(dtype).itemsize
                if offset + size > len(weight_data):
                    raise ModelFormatError(
                        f"weights data ends at byte {len(weight_data)}, but {spec['name']!r} needs bytes "
                        f"{offset}-{offset + size}"
                    )
                array = np.frombuffer(weight_data, dtype=dtype, count=count, offset=offset).reshape(shape)
                weights[spec["name"]] = array.astype(array.dtype.newbyteorder("="), copy=True)
                offset += size
        if offset != len(weight_data):
            raise ModelFormatError(f"weights data holds {len(weight_data)} bytes; the manifest uses {offset}")
        return cls(model_json=model_json, weights=weights)

    def weight_specs(self) -> list[dict[str, Any]]:
        """The manifest's weight entries, in order."""
        return [
            spec for group in self.model_json.get("weightsManifest", []) for spec in group.get("weights", [])
        ]

    def weight_bytes(self) -> bytes:
        """The weights concatenated in manifest order (weights.bin)."""
        parts = []
        for spec in self.weight_specs():
            dtype = _DTYPES[spec.get("dtype", "float32")]
            parts.append(np.ascontiguousarray(self.weights[spec["name"]], dtype=dtype).tobytes())
        return b"".join(parts)

    def model_json_for(self, weights_path: str = "weights.bin") -> dict[str, Any]:
        """model.json with one weights group pointing at ``weights_path``."""
        out = dict(self.model_json)
        out["weightsManifest"] = [{"paths": [weights_path], "weights": self.weight_specs()}]
        return out
