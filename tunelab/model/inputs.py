"""Items → model input, exactly as the sidecar feeds its models (docs/model-format.md).

The exported model's metadata (``userDefinedMetadata.tunelab``) says how raw content becomes
input: ``hashed-text`` (the hashed n-gram featurizer and its config), ``vector`` (as is) or
``image`` (uint8 HWC pixels times ``scale``, 1/255). Items are validated and converted with the
same code as ``tunelab.label``'s data, so the same containers work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import PreparedData, prepare
from .featurizer import TextFeaturizer, TextFeaturizerConfig

#: The sidecar's pixel scaling (docs/model-format.md, ``input.scale``).
IMAGE_SCALE = 1 / 255


@dataclass(frozen=True)
class InputTransform:
    """How raw items become the model's input tensor."""

    #: ``"hashed-text"``, ``"vector"`` or ``"image"``.
    type: str
    featurizer: TextFeaturizerConfig | None = None
    scale: float = IMAGE_SCALE

    @classmethod
    def from_metadata(cls, meta: dict[str, Any], content_type: str | None, model_rank: int) -> InputTransform:
        """Reads the transform from Tunelab's model metadata, else infers it from the content type."""
        for key in ("input", "transform"):  # "input" since format version 1
            value = meta.get(key)
            if isinstance(value, dict) and "type" in value:
                kind = value["type"]
                if kind == "hashed-text":
                    return cls("hashed-text", TextFeaturizerConfig.from_json(value.get("featurizer") or {}))
                if kind == "image":
                    return cls("image", scale=float(value.get("scale", IMAGE_SCALE)))
                if kind == "vector":
                    return cls("vector")
                raise NotImplementedError(f"unknown input transform {kind!r} in the model's metadata")
        if isinstance(meta.get("featurizer"), dict):
            return cls("hashed-text", TextFeaturizerConfig.from_json(meta["featurizer"]))
        if content_type == "text":
            raise NotImplementedError(
                "this text model carries no featurizer config in its metadata, so raw text cannot be "
                "encoded outside the sidecar"
            )
        if content_type == "image" or (content_type is None and model_rank == 3):
            return cls("image")
        return cls("vector")

    def to_json(self) -> dict[str, Any]:
        """The camelCase form stored in tunelab.json."""
        out: dict[str, Any] = {"type": self.type}
        if self.featurizer is not None:
            out["featurizer"] = self.featurizer.to_json()
        if self.type == "image":
            out["scale"] = self.scale
            out["layout"] = "HWC"
        return out

    @property
    def content_type(self) -> str:
        """The kind of item this transform reads."""
        return {"hashed-text": "text"}.get(self.type, self.type)


class InputPipeline:
    """Validates items and builds the model's input batch."""

    def __init__(
        self,
        transform: InputTransform,
        model_input_shape: Sequence[int],
        item_shape: Sequence[int] | None = None,
    ):
        self.transform = transform
        self.model_input_shape = tuple(int(d) for d in model_input_shape)
        #: Shape of one raw item (the pool's: [D] or [H, W, C]); images are resized to it.
        self.item_shape = tuple(int(d) for d in item_shape) if item_shape else None
        if self.item_shape is None and transform.type == "image" and len(self.model_input_shape) == 3:
            self.item_shape = self.model_input_shape
        self._featurizer = TextFeaturizer(transform.featurizer) if transform.featurizer is not None else None

    def prepare(self, items: Any) -> PreparedData:
        """Validates ``items`` like ``tunelab.label`` does (``DataError`` names a bad row)."""
        if isinstance(items, PreparedData):
            return items
        if isinstance(items, str):
            items = [items]
        image = self.transform.type == "image"
        shape = self.item_shape
        return prepare(
            items,
            content_type=self.transform.content_type,
            image_size=tuple(shape[:2]) if image and shape and len(shape) == 3 else None,  # type: ignore[arg-type]
            channels=shape[2] if image and shape and len(shape) == 3 else None,
        )

    def features(self, data: PreparedData, start: int, end: int) -> np.ndarray:
        """The model input for rows ``[start, end)``: float32, batch x model input shape."""
        if self.transform.type == "hashed-text":
            assert self._featurizer is not None and data.texts is not None
            x = self._featurizer(data.texts[start:end])
        elif self.transform.type == "image":
            assert data.images is not None
            x = (data.images[start:end].astype(np.float64) * self.transform.scale).astype(np.float32)
        else:
            assert data.vectors is not None
            x = data.vectors[start:end]
        expected = int(np.prod(self.model_input_shape))
        per_item = int(np.prod(x.shape[1:]))
        if per_item != expected:
            raise ValueError(
                f"items have {per_item} values each ({'x'.join(map(str, x.shape[1:]))}), but the model "
                f"expects input of shape {list(self.model_input_shape)} ({expected} values)"
            )
        return x.reshape(len(x), *self.model_input_shape)
