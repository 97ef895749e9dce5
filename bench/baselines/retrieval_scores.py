"""The label-efficiency scores of bench/common/retrievalScores.ts, for the Python baselines.

tests/test_bench_scoring.py holds the two equal, so the baselines' figures compare with Tunelab's.
"""

from __future__ import annotations

import numpy as np


def retrieval_scores(
    pool: np.ndarray, pool_labels: np.ndarray, test: np.ndarray, test_labels: np.ndarray, k: int
) -> tuple[float, float]:
    """kNN accuracy (majority, ties to the nearer) and mAP@k, as retrievalScores in labelEfficiency.ts."""
    scores = test @ pool.T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    correct, ap_sum = 0, 0.0
    for q, rows in enumerate(top):
        votes: dict[int, float] = {}
        for rank, r in enumerate(rows):
            label = int(pool_labels[r])
            votes[label] = votes.get(label, 0.0) + 1 + (k - rank) * 1e-6
        correct += max(votes, key=lambda label: votes[label]) == test_labels[q]
        hits = (pool_labels[rows] == test_labels[q]).astype(float)
        if hits.sum() > 0:
            ap_sum += float((np.cumsum(hits) / np.arange(1, k + 1) * hits).sum() / hits.sum())
    return correct / len(test_labels), ap_sum / len(test_labels)
