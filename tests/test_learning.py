"""Does labeling teach the model? A simulated annotator on Fashion-MNIST, against held-out data.

Pool: the first 2,000 training images; held-out: the first 1,000 test images (never labeled). The
annotator answers 50 questions from the ground-truth classes (a candidate is relevant when it has the
query's class), waiting for the new model version after every 5 answers as a person labeling at a
normal pace would see it. The tuned model (``session.model.encode``, numpy) must classify the held-out
images better by kNN than the untrained model (version 0), and active query choice must beat dataset
order (``query_order="sequential"``) at the same budget, averaged over three seeds.

Run with ``pytest -s -m slow tests/test_learning.py``; the results line is printed either way.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import require_sidecar

import tunelab
from tunelab.datasets import fashion_mnist_available, load_fashion_mnist
from tunelab.evaluation import knn_accuracy, mean_average_precision

SEEDS = (1, 2, 3)
QUESTIONS = 50
UPDATE_EVERY = 5
POOL, HELD_OUT = 2000, 1000


def label_and_measure(
    images: np.ndarray, classes: np.ndarray, held_out: tuple[np.ndarray, np.ndarray], order: str, seed: int
) -> dict:
    session = tunelab.label(
        images,
        name=f"learning-{order}-{seed}",
        model="mlp",
        query_order=order,
        seed=seed,
        update_every=UPDATE_EVERY,
    )
    started = time.monotonic()
    strategies: dict[str, int] = {}
    for i in range(QUESTIONS):
        q = session.next_question()
        assert q is not None
        strategies[q.strategy] = strategies.get(q.strategy, 0) + 1
        session.answer(q, relevant=[c.id for c in q.candidates if classes[c.index] == classes[q.query.index]])
        if (i + 1) % UPDATE_EVERY == 0:
            session.wait_for_model(timeout=120)
    progress = session.wait_for_model(timeout=120)
    model = session.model
    embeddings = model.encode(held_out[0])
    session.close()
    return {
        "order": order,
        "seed": seed,
        "model_version": model.model_version,
        "knn": knn_accuracy(embeddings, held_out[1]),
        "map10": mean_average_precision(embeddings, held_out[1]),
        "positives": progress.positive,
        "strategies": strategies,
        "seconds": round(time.monotonic() - started, 1),
    }


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_labeling_fashion_mnist_improves_held_out_knn_and_active_beats_sequential(
    local_runtime: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_sidecar()
    if not fashion_mnist_available():
        pytest.fail("Fashion-MNIST is missing: apt-get install dataset-fashion-mnist (make install does)")
    images, classes = load_fashion_mnist("train", POOL)
    held_out = load_fashion_mnist("test", HELD_OUT)

    baseline_session = tunelab.label(images, name="learning-v0", model="mlp", seed=SEEDS[0])
    untrained = baseline_session.model
    assert untrained.model_version == 0
    base = untrained.encode(held_out[0])
    baseline = {"knn": knn_accuracy(base, held_out[1]), "map10": mean_average_precision(base, held_out[1])}
    baseline_session.close()

    runs = [
        label_and_measure(images, classes, held_out, order, seed)
        for seed in SEEDS
        for order in ("active", "sequential")
    ]
    mean = {
        order: {m: float(np.mean([r[m] for r in runs if r["order"] == order])) for m in ("knn", "map10")}
        for order in ("active", "sequential")
    }
    with capsys.disabled():
        print(
            f"\nLEARNING fashion-mnist mlp pool={POOL} held-out={HELD_OUT} questions={QUESTIONS} "
            f"update_every={UPDATE_EVERY}: untrained kNN={baseline['knn']:.3f} mAP@10={baseline['map10']:.3f}"
        )
        for r in runs:
            print(
                f"  seed {r['seed']} {r['order']:<10} v{r['model_version']:<3} kNN={r['knn']:.3f} "
                f"mAP@10={r['map10']:.3f} positives={r['positives']} {r['seconds']:.0f} s {r['strategies']}"
            )
        for order, m in mean.items():
            print(f"  mean {order:<10} kNN={m['knn']:.3f} mAP@10={m['map10']:.3f}")
        print("LEARNING-JSON " + json.dumps({"untrained": baseline, "runs": runs, "mean": mean}))

    assert mean["active"]["knn"] > baseline["knn"], (mean, baseline)
    assert mean["active"]["map10"] > baseline["map10"], (mean, baseline)
    assert mean["active"]["knn"] > mean["sequential"]["knn"], mean
