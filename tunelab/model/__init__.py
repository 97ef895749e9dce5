"""Tuned models back in Python.

``TunedModel`` (``tuned``) wraps TF.js layers artifacts (``artifacts``); ``encode`` runs them with
numpy layers (``layers``, ``activations``) wired by ``graph``, after turning items into model
input like the sidecar does (``inputs``, ``featurizer``); ``storage`` saves and loads directories
with the TF.js files, a safetensors copy of the weights and ``tunelab.json``.

``SentenceEncoderModel`` (``sentence_encoder``) runs a sentence-transformers directory (BERT family,
what the sidecar exports for BERT sessions) with a numpy BERT (``bert``) and the ``tokenizers`` library.

``TunedClassifier`` (``classifier``) is a classification session's model: one of those encoders plus
the classifier head of ``model/export``.
"""

from __future__ import annotations

from .artifacts import ModelArtifacts, ModelFormatError
from .classifier import TunedClassifier, proba_from_head
from .featurizer import TextFeaturizer, TextFeaturizerConfig
from .layers import UnsupportedLayerError
from .sentence_encoder import SentenceEncoderModel, load_sentence_encoder
from .tuned import TunedModel

__all__ = [
    "ModelArtifacts",
    "ModelFormatError",
    "SentenceEncoderModel",
    "TextFeaturizer",
    "TextFeaturizerConfig",
    "TunedClassifier",
    "TunedModel",
    "UnsupportedLayerError",
    "load_sentence_encoder",
    "proba_from_head",
]
