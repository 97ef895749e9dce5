"""The Python baselines score exactly as the TypeScript label-efficiency benchmark does.

bench/baselines/setfit_baseline.py's figures sit in the same table as Tunelab's, so its kNN accuracy and
mAP@10 must be the same function of the same embeddings as bench/common/retrievalScores.ts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench" / "baselines"))
from retrieval_scores import retrieval_scores  # noqa: E402


def typescript_scores(pool, pool_labels, test, test_labels) -> dict[str, float]:
    payload = {
        "pool": pool.ravel().tolist(),
        "poolLabels": pool_labels.tolist(),
        "test": test.ravel().tolist(),
        "testLabels": test_labels.tolist(),
        "dim": pool.shape[1],
    }
    out = subprocess.run(
        ["node", "bench/run.cjs", "tests/fixtures/retrieval_scores.ts"],
        cwd=ROOT,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_python_scores_equal_typescript_scores(seed: int) -> None:
    rng = np.random.default_rng(seed)
    classes = 5
    centres = unit_rows(rng, classes, 16)
    pool_labels = rng.integers(0, classes, size=120)
    test_labels = rng.integers(0, classes, size=40)
    # Noisy clusters: neither perfect nor chance, so a scoring difference shows in both metrics.
    pool = centres[pool_labels] + 1.2 * unit_rows(rng, 120, 16)
    test = centres[test_labels] + 1.2 * unit_rows(rng, 40, 16)
    pool /= np.linalg.norm(pool, axis=1, keepdims=True)
    test /= np.linalg.norm(test, axis=1, keepdims=True)
    knn, ap = retrieval_scores(pool, pool_labels, test, test_labels, 10)
    expected = typescript_scores(pool, pool_labels, test, test_labels)
    assert 0.2 < knn < 1.0
    assert knn == pytest.approx(expected["knn"], abs=1e-9)
    assert ap == pytest.approx(expected["map"], abs=1e-6)


def test_scores_on_a_hand_checked_case() -> None:
    # Pool: two of class 0 near the query, one of class 1 nearest; k = 2 for readability.
    pool = np.array([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2]], dtype=np.float32)
    pool /= np.linalg.norm(pool, axis=1, keepdims=True)
    test = np.array([[1.0, 0.0]], dtype=np.float32)
    knn, ap = retrieval_scores(pool, np.array([1, 0, 0]), test, np.array([0]), 2)
    # Top 2: class 1 then class 0; a one-one vote goes to the nearer (class 1): wrong. AP@2 = (1/2) / 1.
    assert knn == 0.0
    assert ap == pytest.approx(0.5)
