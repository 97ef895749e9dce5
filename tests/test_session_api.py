"""The programmatic labeling API against a real sidecar: options, labels, model versions, export, fit."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import require_sidecar

import tunelab
from tunelab.client import default_user
from tunelab.datasets import load_banking77_sample

pytestmark = pytest.mark.slow


def texts_and_labels(n: int = 120) -> tuple[list[str], list[str]]:
    frame = load_banking77_sample(n=n)
    return frame["text"].tolist(), frame["category"].tolist()


def answer_by_class(session: tunelab.Session, classes: list, count: int) -> list[tunelab.Question]:
    """A simulated annotator: a candidate is relevant when it has the query's class."""
    asked = []
    for _ in range(count):
        q = session.next_question()
        assert q is not None
        session.answer(q, relevant=[c.id for c in q.candidates if classes[c.index] == classes[q.query.index]])
        asked.append(q)
    return asked


def test_labels_frame_after_answers_undo_and_ignore(local_runtime: Path) -> None:
    require_sidecar()
    texts, _ = texts_and_labels(60)
    rows = [{"body": t, "key": f"k{i}"} for i, t in enumerate(texts)]
    session = tunelab.label(rows, field="body", id_field="key", top_k=4, update_every=1000, name="labels")
    q1 = session.next_question()
    session.answer(q1, relevant=[q1.candidates[0].id, q1.candidates[2].id])
    q2 = session.next_question()
    session.answer(q2, ignore=True)
    q3 = session.next_question()
    session.answer(q3, relevant=[])
    session.undo()  # takes back q3

    labels = session.labels
    assert list(labels.columns) == [
        "query_id",
        "query_index",
        "candidate_id",
        "candidate_index",
        "label",
        "relevant",
        "ignored",
        "model_version",
        "annotator",
        "time",
        "undone",
        "answer_id",
        "question_id",
    ]
    assert len(labels) == 8  # two answers that are not undone, four candidates each
    first = labels[labels.question_id == q1.id]
    assert first.query_id.unique().tolist() == [q1.query.id]
    assert first.query_index.unique().tolist() == [q1.query.index]
    assert first.candidate_id.tolist() == [c.id for c in q1.candidates]
    assert first.candidate_index.tolist() == [c.index for c in q1.candidates]
    assert first.relevant.tolist() == [True, False, True, False]
    assert first.label.tolist() == [1.0, -1.0, 1.0, -1.0]
    assert not first.ignored.any() and first.model_version.eq(q1.model_version).all()
    skipped = labels[labels.question_id == q2.id]
    assert skipped.ignored.all() and skipped.label.isna().all() and not skipped.relevant.any()
    assert str(labels.time.dtype).startswith("datetime64") and labels.annotator.eq(default_user()).all()
    assert q3.id not in set(labels.question_id)

    everything = session.labels_with_undone()
    undone = everything[everything.question_id == q3.id]
    assert len(undone) == 4 and undone.undone.all() and undone.label.eq(-1.0).all()
    assert session.progress.done == 2
    session.close()


def test_wait_for_model_times_out_with_a_clear_message(local_runtime: Path) -> None:
    require_sidecar()
    texts, _ = texts_and_labels(40)
    session = tunelab.label(texts, update_every=1000, name="wait-timeout")
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not reach version 3 within 0\.5 s \(now version 0"):
        session.wait_for_model(version=3, timeout=0.5)
    assert time.monotonic() - started < 10
    # Idle training: waiting without a version returns at once.
    assert session.wait_for_model(timeout=5).model_version == 0
    session.close()


def test_options_reach_the_sidecar_and_configure_changes_them(local_runtime: Path) -> None:
    require_sidecar()
    vectors = np.random.default_rng(0).normal(size=(50, 8))
    session = tunelab.label(
        vectors,
        name="options",
        top_k=3,
        epochs=3,
        learning_rate=0.01,
        batch_size=16,
        loss="triplet",
        query_order="sequential",
        update_every=4,
        output_dim=5,
        seed=7,
    )
    config = session.info.config
    assert (config.model, config.content_type, config.input_shape) == ("mlp", "vector", (8,))
    assert (config.top_k, config.epochs, config.learning_rate, config.batch_size) == (3, 3, 0.01, 16)
    assert (config.loss, config.query_order, config.update_every, config.output_dim) == (
        "triplet",
        "sequential",
        4,
        5,
    )
    q = session.next_question()
    assert q.strategy == "sequential" and q.query.index == 0 and len(q.candidates) == 3
    info = session.configure(top_k=5, query_order="random", epochs=1)
    assert (info.config.top_k, info.config.query_order, info.config.epochs) == (5, "random", 1)
    assert session.config.query_order == "random"
    session.configure(start_question=42)
    assert session.next_question().query.index == 42
    with pytest.raises(tunelab.SidecarError, match="no item has index 999"):
        session.configure(start_question=999)
    with pytest.raises(ValueError, match="unknown option"):
        session.configure(speed=3)
    with pytest.raises(ValueError, match="query_order='clever'"):
        tunelab.label(vectors, query_order="clever")
    with pytest.raises(ValueError, match="model='cnn' embeds image items, but this data is vector"):
        tunelab.label(vectors, model="cnn")
    session.close()


def test_backend_choice_reaches_the_worker_and_progress(local_runtime: Path) -> None:
    require_sidecar()
    vectors = np.random.default_rng(0).normal(size=(30, 8))
    session = tunelab.label(vectors, name="backend-cpu", backend="cpu")
    assert session.config.backend == "cpu" and session.progress.backend == "cpu"
    session.close()
    # auto: native tensorflow where `make native` has run, else wasm; either way it says why not the GPU.
    session = tunelab.label(vectors, name="backend-auto")
    progress = session.progress
    assert progress.backend in ("tensorflow", "wasm")
    assert progress.backend_fallback_reason.startswith(
        "tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed"
    )
    session.close()
    with pytest.raises(
        ValueError, match="refused the session options: /backend: backend 'tensorflow-gpu' is unavailable"
    ):
        tunelab.label(vectors, name="backend-gpu", backend="tensorflow-gpu")
    with pytest.raises(ValueError, match="backend='gpu'; use one of"):
        tunelab.label(vectors, backend="gpu")


@pytest.mark.parametrize("kind", ["text-mlp", "mlp", "cnn"])
def test_numpy_forward_pass_matches_the_sidecar_after_training(local_runtime: Path, kind: str) -> None:
    require_sidecar()
    if kind == "text-mlp":
        data, classes = texts_and_labels(150)
        probe: object = [*data[:64], "an unseen text ✓ with ünïcode", "", "42"]
    else:
        from tunelab.datasets import load_fashion_mnist

        images, labels = load_fashion_mnist("train", 300)
        data, classes = (
            (images.reshape(300, -1).astype(np.float32) / 255 if kind == "mlp" else images),
            list(labels),
        )
        probe = data[:64]
    session = tunelab.label(data, model=kind, name=f"parity-{kind}", update_every=2, top_k=5, seed=3)
    answer_by_class(session, classes, 6)
    progress = session.wait_for_model(timeout=120)
    assert progress.model_version >= 1, progress
    model = session.model
    assert model.model_version == session.progress.model_version
    ours = model.encode(probe)
    theirs = session.embed(probe)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert f"version={model.model_version}" in repr(model) and model.output_dim == ours.shape[1]
    session.close()


def test_save_load_roundtrip_and_safetensors(local_runtime: Path, tmp_path: Path) -> None:
    require_sidecar()
    from safetensors.numpy import load_file

    texts, classes = texts_and_labels(80)
    session = tunelab.label(texts, name="save", update_every=2, top_k=4)
    answer_by_class(session, classes, 4)
    session.wait_for_model(timeout=120)
    model = session.model
    before = model.encode(texts[:20])
    directory = model.save(tmp_path / "tuned")
    assert sorted(p.name for p in directory.iterdir()) == [
        "model.json",
        "model.safetensors",
        "tunelab.json",
        "weights.bin",
    ]
    loaded = tunelab.TunedModel.load(directory)
    assert loaded.model_version == model.model_version and loaded.content_type == "text"
    np.testing.assert_array_equal(loaded.encode(texts[:20]), before)
    tensors = load_file(str(directory / "model.safetensors"))
    assert tensors.keys() == model.weights().keys()
    for name, value in model.weights().items():
        np.testing.assert_array_equal(tensors[name], value)
    # The sidecar's own save writes the TF.js files (inside its allowed root: our working directory),
    # which TunedModel reads too.
    target = Path(tempfile.mkdtemp(prefix=".tunelab-test-", dir=Path.cwd()))
    try:
        written = session.save_model(target / "from-sidecar")
        assert any(f.endswith("model.json") for f in written)
        from_sidecar = tunelab.TunedModel.load(target / "from-sidecar")
        assert np.abs(from_sidecar.encode(texts[:20]) - before).max() < 1e-6
        with pytest.raises(ValueError, match="outside the allowed root"):
            session.save_model(tmp_path / "elsewhere")
    finally:
        shutil.rmtree(target, ignore_errors=True)
    history = session.history
    assert list(history.columns) == ["version", "loss", "answers", "time", "train_ms"]
    assert history.version.iloc[0] == 0 and np.isnan(history.loss.iloc[0])
    assert history.version.max() == session.progress.model_version
    session.close()


def _finish_when_labeled(name: str, classes: list, errors: list) -> None:
    """Plays the person of ``fit``: finds the session by name, answers 4 questions, presses Finish."""
    from tunelab import discovery

    client = discovery.get_client()
    deadline = time.monotonic() + 60
    session_id = None
    try:
        while session_id is None and time.monotonic() < deadline:
            sessions = client.request("session/list")["sessions"]
            session_id = next((s["id"] for s in sessions if s["name"] == name and not s["loading"]), None)
            time.sleep(0.1)
        assert session_id is not None, "fit's session never appeared"
        answered = 0
        while answered < 4:
            assert time.monotonic() < deadline, "no questions came"
            q = client.request("question/next", {"sessionId": session_id})["question"]
            if q is None:  # the pool is still being embedded
                time.sleep(0.1)
                continue
            query_class = classes[q["query"]["index"]]
            relevant = [c["id"] for c in q["candidates"] if classes[c["index"]] == query_class]
            params = {
                "questionId": q["id"],
                "answerId": f"a{answered}",
                "relevant": relevant,
                "ignore": False,
            }
            client.request("question/answer", {"sessionId": session_id, **params})
            answered += 1
    except BaseException as err:  # reported by the test
        errors.append(err)
    finally:
        if session_id is not None:  # Finish even after an error, so fit returns and the test can report it
            client.request("session/finish", {"sessionId": session_id})


def test_fit_blocks_until_finish_and_returns_the_model(local_runtime: Path) -> None:
    require_sidecar()
    texts, classes = texts_and_labels(80)
    errors: list = []
    person = threading.Thread(target=_finish_when_labeled, args=("fit-demo", classes, errors), daemon=True)
    person.start()
    tuned = tunelab.fit("text-mlp", train_data=texts, name="fit-demo", update_every=2, finish_timeout=120)
    person.join(10)
    assert not errors, errors
    assert isinstance(tuned, tunelab.TunedModel) and tuned.content_type == "text"
    assert tuned.model_version >= 1
    assert tuned.encode(texts[:3]).shape[0] == 3

    with pytest.raises(ValueError, match="interactive=True"):
        tunelab.fit("mlp", train_data=texts, interactive=False)
    with pytest.raises(NotImplementedError, match="text TunedModel"):
        tunelab.fit(tuned, train_data=texts)


def test_fit_continues_from_a_vector_tuned_model(local_runtime: Path) -> None:
    require_sidecar()
    vectors = np.random.default_rng(1).normal(size=(60, 6)).astype(np.float32)
    session = tunelab.label(vectors, name="first", output_dim=6, update_every=1000)
    first = session.model
    session.close()
    # fit saves the model where the sidecar may read it: inside its allowed root (our working directory).
    errors: list = []
    classes = [0] * 60
    person = threading.Thread(target=_finish_when_labeled, args=("second", classes, errors), daemon=True)
    person.start()
    try:
        second = tunelab.fit(first, train_data=vectors, name="second", finish_timeout=120)
    except NotImplementedError as err:  # the sidecar refused to load it: said clearly
        person.join(1)
        assert "cannot continue training" in str(err)
        return
    person.join(10)
    assert not errors, errors
    assert second.output_dim == first.output_dim and second.content_type == "vector"
    assert not list(Path.cwd().glob(".tunelab-continue-*"))  # the temporary copy is gone


def test_labels_dataframe_is_pandas(local_runtime: Path) -> None:
    require_sidecar()
    session = tunelab.label(["a b", "b c", "c d", "d e"], name="empty-labels", top_k=2)
    labels = session.labels
    assert isinstance(labels, pd.DataFrame) and labels.empty and "candidate_id" in labels.columns
    session.close()


def test_pool_loads_in_the_background_after_the_first_chunk(
    local_runtime: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_sidecar()
    from tunelab import session as session_module

    monkeypatch.setattr(session_module, "FIRST_CHUNK_ITEMS", 100)
    monkeypatch.setattr(session_module, "CHUNK_ITEMS", 300)
    vectors = np.random.default_rng(2).normal(size=(1000, 16)).astype(np.float32)
    session = tunelab.label(vectors, name="background", show_progress=True, update_every=1000)
    # Questions come from the first chunk while the rest uploads.
    assert session.next_question() is not None
    progress = session.wait_until_loaded(timeout=60)
    assert progress.loaded_items == progress.item_count == 1000
    assert not session.info.loading
    err = capsys.readouterr().err
    assert "Loading background" in err and "1,000/1,000 items" in err and "1,000 items loaded" in err
    ids = {c.id for _ in range(3) for c in session.next_question().candidates}
    assert all(0 <= i < 1000 for i in ids)
    session.close()


def test_user_model_file_with_tailor_and_the_sidecar_fallback(local_runtime: Path) -> None:
    require_sidecar()
    from tunelab.model import UnsupportedLayerError

    vectors = np.random.default_rng(3).normal(size=(80, 10)).astype(np.float32)
    base = tunelab.label(vectors, name="base", update_every=1000)
    first = base.model
    base.close()
    # A model.json inside the sidecar's allowed root (our working directory), tailored to 4 dimensions.
    folder = Path(tempfile.mkdtemp(prefix=".tunelab-test-", dir=Path.cwd()))
    try:
        first.save(folder)
        session = tunelab.label(
            vectors,
            model=folder / "model.json",
            tailor=tunelab.Tailor(output_dim=4, freeze=True),
            name="tailored",
        )
        assert session.info.config.model == "file"
        tailored = session.model
        assert tailored.output_dim == 4 and tailored.kind == "tailored"
        ours = tailored.encode(vectors[:10])
        np.testing.assert_allclose(ours, session.embed(vectors[:10]), atol=1e-4)
        # A layer the numpy pass cannot run: encode goes through the live session's model/embed instead.
        tailored._graph = None
        tailored._graph_error = UnsupportedLayerError("Exotic", "exotic_1")
        np.testing.assert_allclose(tailored.encode(vectors[:10]), ours, atol=1e-4)
        session.close()
        with pytest.raises(NotImplementedError, match="layer 'exotic_1' of class 'Exotic'"):
            tailored.encode(vectors[:10])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    with pytest.raises(ValueError, match="unknown tailor option"):
        tunelab.label(vectors, tailor={"cut": "x"})


@pytest.mark.parametrize(
    ("options", "field"),
    [({"output_dim": 0}, "/outputDim"), ({"tailor": {"output_dim": 0}}, "/tailor/outputDim")],
)
def test_wrong_output_dim_is_refused_naming_the_option(
    local_runtime: Path, options: dict[str, object], field: str
) -> None:
    vectors = np.random.default_rng(0).random((20, 8), dtype=np.float32)
    with pytest.raises(ValueError, match=field):
        tunelab.label(vectors, name=f"bad-dim{field.replace('/', '-')}", **options)
