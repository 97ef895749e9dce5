"""Tuned models back in Python.

``TunedModel`` (``tuned``) wraps TF.js layers artifacts (``artifacts``); ``encode`` runs them with
numpy layers (``layers``, ``activations``) wired by ``graph``, after turning items into model
input like the sidecar does (``inputs``, ``featurizer``); ``storage`` saves and loads directories
with the TF.js files, a safetensors copy of the weights and ``tunelab.json``.
"""

from __future__ import annotations

from .artifacts import ModelArtifacts, ModelFormatError
from .featurizer import TextFeaturizer, TextFeaturizerConfig
from .layers import UnsupportedLayerError
from .tuned import TunedModel

__all__ = [
    "ModelArtifacts",
    "ModelFormatError",
    "TextFeaturizer",
    "TextFeaturizerConfig",
    "TunedModel",
    "UnsupportedLayerError",
]
