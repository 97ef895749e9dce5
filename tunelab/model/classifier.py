"""``TunedClassifier``: a classification session's model back in Python (encoder + classifier head).

The head is ``model/export``'s ``classifierHead`` (format ``tunelab-classifier-head/1``,
docs/classification.md "Back to Python"); ``proba_from_head`` is the sidecar's ``probaFromHead``
(src/sidecar/engine/classification/classifierTrainer.ts) in numpy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..protocol import ClassifierHead
from .sentence_encoder import SentenceEncoderModel
from .tuned import TunedModel

#: File holding the head beside the encoder's files in a saved classifier directory.
HEAD_FILE = "head.json"
#: Multi-label: a label is predicted when its probability is at least this.
MULTI_LABEL_THRESHOLD = 0.5
# Same guard as the sidecar's normalisation (EPS in classifierTrainer.ts).
_EPS = 1e-12


def proba_from_head(head: ClassifierHead, embeddings: np.ndarray) -> np.ndarray:
    """Class probabilities, ``[n, num_classes]`` float32, from encoder outputs ``[n, dim]``.

    ``u = e/‖e‖; z = u @ kernel + bias``. Single-label: ``q = softmax(z)`` over the labelled classes
    (0 for the others), ``p = (1 - mix[0])·q + mix[0]/C`` — a class without labels gets exactly the
    prior ``mix[0]/C``. Multi-label: ``p = (1 - mix)·sigmoid(z) + mix/2``.
    """
    e = np.asarray(embeddings, dtype=np.float64)
    if e.ndim != 2 or e.shape[1] != head.dim:
        raise ValueError(f"embeddings must be [n, {head.dim}] (the head's dim), got shape {e.shape}")
    kernel = np.asarray(head.kernel, dtype=np.float64).reshape(head.dim, head.num_classes)
    bias = np.asarray(head.bias, dtype=np.float64)
    mix = np.asarray(head.mix, dtype=np.float64)
    u = e / np.sqrt(np.sum(e * e, axis=1, keepdims=True) + _EPS)
    z = u @ kernel + bias
    if head.multi_label:
        p = (1 - mix) / (1 + np.exp(-z)) + mix * 0.5
        return p.astype(np.float32)
    labelled = np.asarray(head.labelled, dtype=bool)
    q = np.zeros_like(z)
    if labelled.any():
        zl = z[:, labelled]
        ex = np.exp(zl - zl.max(axis=1, keepdims=True))
        q[:, labelled] = ex / ex.sum(axis=1, keepdims=True)
    p = (1 - mix[0]) * q + mix[0] / head.num_classes
    return p.astype(np.float32)


class TunedClassifier:
    """A classification session's model: the tuned encoder plus the classifier head, run with numpy.

    ``encode`` gives the encoder's embeddings, ``predict_proba`` the class probabilities (the same
    numbers as the sidecar's ``model/predict``), ``predict`` the label names. ``save(path)`` writes the
    encoder's files plus ``head.json``; ``TunedClassifier.load(path)`` reads them back.
    """

    def __init__(self, encoder: TunedModel | SentenceEncoderModel, head: ClassifierHead):
        head.check()
        #: The embedding model the head reads (a ``TunedModel`` or a ``SentenceEncoderModel``).
        self.encoder = encoder
        #: The classifier head (``model/export``'s ``classifierHead``).
        self.head = head

    # ------------------------------------------------------------ properties

    @property
    def labels(self) -> list[str]:
        """Label names, in the order of ``predict_proba``'s columns."""
        return list(self.head.labels)

    @property
    def multi_label(self) -> bool:
        """True when an item may take any number of labels."""
        return self.head.multi_label

    @property
    def model_version(self) -> int:
        """The session's model version the head belongs to."""
        return self.head.model_version

    @property
    def content_type(self) -> str:
        """What ``encode`` takes: ``"text"``, ``"vector"`` or ``"image"``."""
        return str(self.encoder.content_type)

    # ------------------------------------------------------------ use

    def encode(self, items: Any) -> np.ndarray:
        """The encoder's embeddings of ``items`` (float32, one row per item)."""
        return self.encoder.encode(items)

    def predict_proba(self, items: Any) -> np.ndarray:
        """Class probabilities of ``items``: float32 ``[n, len(labels)]``, columns in ``labels`` order.
        Single-label rows sum to 1; multi-label columns are independent yes/no probabilities."""
        return proba_from_head(self.head, self.encode(items))

    def predict(self, items: Any) -> list[str] | list[list[str]]:
        """Label names of ``items``: the most probable label each (single-label), or the list of labels
        with probability ≥ 0.5 each (multi-label; possibly empty)."""
        return self.labels_from_proba(self.predict_proba(items))

    def labels_from_proba(self, proba: np.ndarray) -> list[str] | list[list[str]]:
        """``predict``'s answer for probabilities already computed."""
        names = self.head.labels
        if self.multi_label:
            return [[names[c] for c in np.flatnonzero(row >= MULTI_LABEL_THRESHOLD)] for row in proba]
        return [names[int(c)] for c in np.argmax(proba, axis=1)]

    # ------------------------------------------------------------ storage

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the encoder's files (``TunedModel.save`` / ``SentenceEncoderModel.save``) plus ``head.json``
        into the directory ``path``; returns it."""
        target = Path(self.encoder.save(path))
        tmp = target / f".{HEAD_FILE}.tmp"
        tmp.write_text(json.dumps(self.head.to_json()), encoding="utf-8")
        tmp.replace(target / HEAD_FILE)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TunedClassifier:
        """Loads a directory written by ``save``."""
        root = Path(path)
        head_file = root / HEAD_FILE
        if not head_file.is_file():
            raise FileNotFoundError(f"{head_file} is missing: {root} is not a saved TunedClassifier")
        head = ClassifierHead.from_json(json.loads(head_file.read_text(encoding="utf-8")))
        # A sentence-transformers directory has modules.json; a TunedModel directory has model.json.
        sentence_encoder = (root / "modules.json").is_file()
        return cls(SentenceEncoderModel(root) if sentence_encoder else TunedModel.load(root), head)

    def __repr__(self) -> str:
        kind = "multi-label" if self.multi_label else "single-label"
        return (
            f"<tunelab.TunedClassifier {kind} labels={self.labels!r} version={self.model_version} "
            f"encoder={type(self.encoder).__name__} dim={self.head.dim}>"
        )
