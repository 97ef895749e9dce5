"""Retrieval quality of embeddings against ground-truth classes: kNN accuracy and mAP@k.

Both use cosine similarity within the evaluated set, leaving each item out of its own
neighbours; they measure whether an embedding puts same-class items next to each other, which
is what Tunelab's similarity questions teach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _neighbours(embeddings: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` most cosine-similar other rows, best first (N x k)."""
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError("embeddings must be a 2-D array with at least two rows")
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    k = min(k, len(x) - 1)
    out = np.empty((len(x), k), dtype=np.int64)
    for start in range(0, len(x), 1024):
        sims = x[start : start + 1024] @ x.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        out[start : start + 1024] = np.take_along_axis(top, order, axis=1)
    return out


def knn_accuracy(embeddings: np.ndarray, labels: Sequence[Any] | np.ndarray, k: int = 10) -> float:
    """Leave-one-out accuracy of a ``k``-nearest-neighbour majority vote (ties: the nearer label)."""
    y = np.asarray(labels)
    neighbours = y[_neighbours(embeddings, k)]
    correct = 0
    for truth, votes in zip(y, neighbours, strict=True):
        values, first, counts = np.unique(votes, return_index=True, return_counts=True)
        best = np.flatnonzero(counts == counts.max())
        winner = values[best[np.argmin(first[best])]]
        correct += int(winner == truth)
    return correct / len(y)


def mean_average_precision(embeddings: np.ndarray, labels: Sequence[Any] | np.ndarray, k: int = 10) -> float:
    """mAP@k: mean over items of AP@k = sum of precision@i at each relevant rank i <= k, divided by
    min(k, number of other items of the same class)."""
    y = np.asarray(labels)
    relevant = (y[_neighbours(embeddings, k)] == y[:, None]).astype(np.float64)
    ranks = np.arange(1, relevant.shape[1] + 1)
    precision = np.cumsum(relevant, axis=1) / ranks
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    denominator = np.minimum(relevant.shape[1], counts[inverse] - 1)
    ap = np.where(denominator > 0, (precision * relevant).sum(axis=1) / np.maximum(denominator, 1), 0.0)
    return float(ap.mean())
