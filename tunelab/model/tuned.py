"""``TunedModel``: a tuned embedding model back in Python, encoding without the sidecar."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .artifacts import ModelArtifacts
from .graph import Graph
from .inputs import InputPipeline, InputTransform
from .layers import UnsupportedLayerError
from .storage import load_directory, save_directory

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger("tunelab.model")


class TunedModel:
    """An embedding model exported from a Tunelab session (TF.js layers format).

    ``encode(items)`` runs a numpy forward pass of the TF.js layers, featurizing items exactly
    like the sidecar (hashed n-grams for text, pixels x 1/255 for images, vectors as they are),
    so it needs neither the sidecar nor TensorFlow. For a layer the numpy pass does not know, it
    falls back to the live session's ``model/embed`` (same model version only).
    """

    def __init__(
        self,
        artifacts: ModelArtifacts,
        model_version: int = 0,
        content_type: str | None = None,
        item_shape: tuple[int, ...] | None = None,
        session: Session | None = None,
    ):
        self.artifacts = artifacts
        #: The session's model version this model is (0 = untrained).
        self.model_version = int(model_version)
        self._session = session
        self._graph: Graph | None = None
        self._graph_error: UnsupportedLayerError | None = None
        try:
            self._graph = Graph(artifacts)
        except UnsupportedLayerError as err:
            self._graph_error = err
        model_shape = self.model_input_shape
        meta = artifacts.metadata
        content_type = content_type or meta.get("contentType")
        self.transform = InputTransform.from_metadata(meta, content_type, len(model_shape))
        #: ``"text"``, ``"vector"`` or ``"image"``: what ``encode`` takes.
        self.content_type = content_type or self.transform.content_type
        #: Shape of one raw item (``(D,)``, ``(H, W, C)``), None for text.
        self.item_shape = tuple(item_shape) if item_shape else None
        self._inputs = InputPipeline(self.transform, model_shape, self.item_shape)

    # ------------------------------------------------------------ construction

    @classmethod
    def from_artifacts(
        cls,
        model_json: str | bytes | dict[str, Any],
        weight_data: bytes,
        model_version: int = 0,
        content_type: str | None = None,
        input_shape: tuple[int, ...] | None = None,
        session: Session | None = None,
    ) -> TunedModel:
        """Builds a model from ``model/export``'s artifacts: model.json text and weights.bin bytes."""
        return cls(
            ModelArtifacts.parse(model_json, weight_data), model_version, content_type, input_shape, session
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TunedModel:
        """Loads a directory written by ``save`` (or any TF.js layers ``model.json`` Tunelab can run)."""
        artifacts, info = load_directory(path)
        shape = info.get("itemShape")
        return cls(
            artifacts,
            model_version=int(info.get("modelVersion", artifacts.metadata.get("modelVersion", 0))),
            content_type=info.get("contentType"),
            item_shape=tuple(shape) if shape else None,
        )

    # ------------------------------------------------------------ properties

    @property
    def model_input_shape(self) -> tuple[int, ...]:
        """The model's input shape without the batch axis."""
        if self._graph is not None:
            return tuple(int(d) for d in self._graph.input_shape)
        return _declared_input_shape(self.artifacts)

    @property
    def output_dim(self) -> int:
        """Width of the embeddings."""
        if self._graph is not None:
            probe = self._graph(np.zeros((1, *self.model_input_shape), dtype=np.float32))
            return int(probe.shape[-1])
        for layer in reversed(self.artifacts.topology["config"]["layers"]):
            units = layer["config"].get("units")
            if units:
                return int(units)
        raise ValueError("cannot tell the output width of this model")

    @property
    def kind(self) -> str:
        """How the sidecar built it (docs/model-format.md): ``residual-mlp``, ``residual-cnn``,
        ``tailored``, … (``"user"`` for a foreign model)."""
        return str(self.artifacts.metadata.get("kind", "user"))

    # ------------------------------------------------------------ use

    def encode(self, items: Any, batch_size: int = 256) -> np.ndarray:
        """Embeds ``items`` (texts, vectors or images, in any container ``tunelab.label`` takes).

        Returns a float32 array with one L2-normalised row per item (the built-in models end in
        an L2 normalisation).
        """
        data = self._inputs.prepare(items)
        if self._graph is None:
            return self._encode_in_sidecar(items)
        rows = []
        for start in range(0, len(data), batch_size):
            end = min(start + batch_size, len(data))
            rows.append(self._graph(self._inputs.features(data, start, end)))
        out = np.concatenate(rows) if len(rows) > 1 else rows[0]
        return np.ascontiguousarray(out.reshape(len(data), -1), dtype=np.float32)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes ``model.json`` + ``weights.bin`` (TF.js), ``model.safetensors`` and ``tunelab.json``
        into the directory ``path``; returns it. ``TunedModel.load(path)`` reads it back."""
        info = {
            "modelVersion": self.model_version,
            "contentType": self.content_type,
            "itemShape": list(self.item_shape) if self.item_shape else None,
            "modelInputShape": list(self.model_input_shape),
            "outputDim": self.output_dim,
            "kind": self.kind,
            "input": self.transform.to_json(),
        }
        save_directory(path, self.artifacts, info)
        return Path(path)

    def weights(self) -> dict[str, np.ndarray]:
        """The weights by TF.js name (``"dense/kernel"``, …)."""
        return dict(self.artifacts.weights)

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.item_shape or self.model_input_shape)) or "?"
        try:
            dim: Any = self.output_dim
        except ValueError:
            dim = "?"
        return (
            f"<tunelab.TunedModel {self.kind} version={self.model_version} {self.content_type} "
            f"input={shape} output_dim={dim} params={sum(w.size for w in self.artifacts.weights.values()):,}>"
        )

    # ------------------------------------------------------------ internals

    def _encode_in_sidecar(self, items: Any) -> np.ndarray:
        assert self._graph_error is not None
        session = self._session
        if session is None or getattr(session, "_closed", True):
            raise self._graph_error
        live_version = session.progress.model_version
        if live_version != self.model_version:
            raise NotImplementedError(
                f"{self._graph_error} The session's model is now version {live_version}, not this "
                f"model's {self.model_version}, so it cannot encode for this one either."
            ) from self._graph_error
        log.info("encoding through the sidecar: %s", self._graph_error)
        return session.embed(items)


def _declared_input_shape(artifacts: ModelArtifacts) -> tuple[int, ...]:
    config = artifacts.topology.get("config")
    layers = config if isinstance(config, list) else (config or {}).get("layers", [])
    for layer in layers:
        shape = layer.get("config", {}).get("batch_input_shape")
        if shape:
            return tuple(int(d) for d in shape[1:])
    return ()
