"""The Tunelab wire protocol, mirrored from ``src/protocol/*.ts`` for the kernel.

See ``docs/protocol.md``. This module holds the constants (version, limits,
error codes, method names), typed dataclasses for the messages the kernel
reads, and the two byte codecs: socket frames ``[u8 kind][u32 BE len][body]``
and binary messages ``[u32 BE N][N bytes JSON][payload]``.
"""

from __future__ import annotations

import enum
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- constants


@dataclass(frozen=True)
class ProtocolVersion:
    """A protocol version; a different ``major`` is incompatible."""

    major: int
    minor: int

    def to_json(self) -> dict[str, int]:
        """The wire form ``{major, minor}``."""
        return {"major": self.major, "minor": self.minor}


PROTOCOL_VERSION = ProtocolVersion(major=1, minor=4)

#: Path of the authenticated Jupyter websocket route, relative to the base URL.
WEBSOCKET_ROUTE = "tunelab/ws"


@dataclass(frozen=True)
class Limits:
    """Size limits the sidecar enforces on every inbound message."""

    max_text_message_bytes: int = 1024 * 1024
    max_binary_message_bytes: int = 64 * 1024 * 1024
    max_items_per_chunk: int = 50_000


LIMITS = Limits()


class ErrorCodes(enum.IntEnum):
    """JSON-RPC error codes (-327xx/-326xx: JSON-RPC's own; -320xx: Tunelab's)."""

    ParseError = -32700
    InvalidRequest = -32600
    MethodNotFound = -32601
    InvalidParams = -32602
    InternalError = -32603
    NotAuthenticated = -32001
    MessageTooLarge = -32002
    ProtocolVersionMismatch = -32003
    SessionNotFound = -32004
    QuestionNotFound = -32005
    BadData = -32006
    NotReady = -32007
    StoreUnavailable = -32008


class Methods:
    """JSON-RPC method names of requests sent to the sidecar."""

    HELLO = "tunelab/hello"
    INITIALIZE = "tunelab/initialize"
    PING = "tunelab/ping"
    SESSION_CREATE = "session/create"
    SESSION_APPEND_ITEMS = "session/appendItems"
    SESSION_LIST = "session/list"
    SESSION_GET = "session/get"
    SESSION_SUBSCRIBE = "session/subscribe"
    SESSION_UNSUBSCRIBE = "session/unsubscribe"
    QUESTION_NEXT = "question/next"
    QUESTION_ANSWER = "question/answer"
    SESSION_UNDO = "session/undo"
    SESSION_CLOSE = "session/close"
    # protocol 1.1
    SESSION_CONFIGURE = "session/configure"
    QUESTION_NEXT_BATCH = "question/nextBatch"
    MODEL_WAIT = "model/wait"
    MODEL_EXPORT = "model/export"
    MODEL_EMBED = "model/embed"
    MODEL_SAVE = "model/save"
    MODEL_HISTORY = "model/history"
    SESSION_LABELS = "session/labels"
    SESSION_FINISH = "session/finish"
    # protocol 1.2
    LABELS_EXPORT = "labels/export"
    LABELS_IMPORT = "labels/import"
    # protocol 1.3
    PREFERENCES = "tunelab/preferences"
    # protocol 1.4: classification sessions
    SESSION_MACHINE_LABELS = "session/machineLabels"
    MACHINE_LABEL_CONFIRM = "machineLabel/confirm"
    MACHINE_LABEL_REJECT = "machineLabel/reject"
    SESSION_TRAIN = "session/train"
    SESSION_SET_LABELS = "session/setLabels"
    MODEL_PREDICT = "model/predict"


#: ``task=`` values (protocol 1.4 adds "classification").
TASKS = ("similarity", "classification")
#: Uncertainty measures of a classification session's active order (protocol 1.4).
UNCERTAINTIES = ("margin", "least-confidence", "entropy")
#: ``model/export``'s ``classifierHead.format`` (protocol 1.4, docs/classification.md).
CLASSIFIER_HEAD_FORMAT = "tunelab-classifier-head/1"

#: Label file formats of ``labels/export`` and ``labels/import`` (docs/label-files.md).
LABEL_FORMATS = ("jsonl", "csv", "label-studio", "hf-jsonl")


class Notifications:
    """JSON-RPC notification names sent by the sidecar."""

    PROGRESS = "session/progress"
    SESSIONS_CHANGED = "sessions/changed"
    MODEL_UPDATED = "session/modelUpdated"


# ---------------------------------------------------------------- messages

#: An item's user-facing id: the ``id_field`` value, else its row position.
ItemId = int | str


@dataclass(frozen=True)
class Item:
    """One item of the pool as shown to an annotator."""

    id: ItemId
    #: Row position in the data the user passed.
    index: int
    text: str | None = None
    #: Image items: a small PNG thumbnail as a ``data:`` URL (protocol 1.1).
    image: str | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Item:
        """Builds an item from its wire form."""
        return cls(id=obj["id"], index=int(obj["index"]), text=obj.get("text"), image=obj.get("image"))


@dataclass(frozen=True)
class Candidate(Item):
    """A candidate match for a question's query, with its similarity score."""

    score: float = 0.0

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Candidate:
        """Builds a candidate from its wire form."""
        return cls(
            id=obj["id"],
            index=int(obj["index"]),
            text=obj.get("text"),
            image=obj.get("image"),
            score=float(obj["score"]),
        )


@dataclass(frozen=True)
class Prediction:
    """The model's guess for a classification question's item (protocol 1.4)."""

    #: Predicted labels: the top one (single-label), or every label scored >= 0.5 (multi-label).
    labels: tuple[str, ...]
    #: Per-label probability, in the session's label order.
    scores: tuple[float, ...]
    #: Top probability (single-label) or the least certain yes/no decision (multi-label).
    certainty: float
    #: The model version that made it.
    model_version: int

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Prediction:
        """Builds a prediction from its wire form."""
        return cls(
            labels=tuple(obj["labels"]),
            scores=tuple(float(x) for x in obj["scores"]),
            certainty=float(obj["certainty"]),
            model_version=int(obj["modelVersion"]),
        )


@dataclass(frozen=True)
class Question:
    """A query item plus its nearest candidates; answer by naming the relevant ones.

    In a classification session (protocol 1.4) ``candidates`` is empty: ``query`` is the item to
    label, ``choices`` the label names and ``prediction`` the model's guess (None before it can guess).
    """

    id: str
    session_id: str
    query: Item
    candidates: tuple[Candidate, ...]
    #: Version of the model whose embeddings produced these candidates.
    model_version: int
    #: Why this query was chosen: "uncertain", "diverse", "random", "sequential" or "repeat" (1.1).
    strategy: str | None = None
    #: Classification (1.4): the label names, in the session's label order.
    choices: tuple[str, ...] | None = None
    #: Classification (1.4): the model's prediction; None before it can predict.
    prediction: Prediction | None = None
    #: Classification (1.4): the item had been auto-accepted and comes back for review.
    review: bool | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Question:
        """Builds a question from its wire form."""
        choices = obj.get("choices")
        prediction = obj.get("prediction")
        return cls(
            id=obj["id"],
            session_id=obj["sessionId"],
            query=Item.from_json(obj["query"]),
            candidates=tuple(Candidate.from_json(c) for c in obj["candidates"]),
            model_version=int(obj["modelVersion"]),
            strategy=obj.get("strategy"),
            choices=None if choices is None else tuple(choices),
            prediction=None if prediction is None else Prediction.from_json(prediction),
            review=_opt(obj.get("review"), bool),
        )


@dataclass(frozen=True)
class Progress:
    """Counters and training state of a labeling session (protocol 1.1 fields are None from 1.0 sidecars)."""

    #: Answered questions (not undone), ignored ones included.
    done: int
    #: Candidates marked relevant.
    positive: int
    #: Candidates left unselected in an answered question.
    negative: int
    #: Questions answered with ignore/skip.
    ignored: int
    model_version: int
    #: Items expected in the pool.
    item_count: int
    #: Items received and embedded so far.
    loaded_items: int
    #: Answers committed to the store.
    saved: int | None = None
    #: Questions answered in the current round of ``questions_per_round``.
    round_done: int | None = None
    #: Loss of the last training round, None before the first one.
    last_loss: float | None = None
    #: True while a training round or a re-embedding runs.
    training: bool | None = None
    #: The TF.js backend the session trains with: tensorflow-gpu, tensorflow, wasm or cpu.
    backend: str | None = None
    #: Set when the user pressed Finish.
    finished: bool | None = None
    #: The current round of ``questions_per_round`` questions, from 1 (protocol 1.2).
    round: int | None = None
    #: True while a sentence encoder embeds pool items (protocol 1.3).
    embedding: bool | None = None
    #: Pool items whose embedding came from the on-disk embedding cache (protocol 1.3).
    cached_items: int | None = None
    #: Why ``auto`` did not pick a faster backend, e.g. the native binding is missing (protocol 1.3).
    backend_fallback_reason: str | None = None
    # ---- protocol 1.4: classification sessions
    #: Items the model auto-accepted (kept apart from human labels, never trained on unless confirmed).
    machine_labels: int | None = None
    #: Whether auto-accept is on (it opens once confident predictions proved right often enough).
    auto_accept_open: bool | None = None
    #: Answers kept but left out of training because they use a removed label.
    excluded: int | None = None
    #: Answers stored since the last training round started.
    since_update: int | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Progress:
        """Builds progress counters from their wire form."""
        loss = obj.get("lastLoss")
        return cls(
            done=int(obj["done"]),
            positive=int(obj["positive"]),
            negative=int(obj["negative"]),
            ignored=int(obj["ignored"]),
            model_version=int(obj["modelVersion"]),
            item_count=int(obj["itemCount"]),
            loaded_items=int(obj["loadedItems"]),
            saved=_opt(obj.get("saved"), int),
            round_done=_opt(obj.get("roundDone"), int),
            last_loss=None if loss is None else float(loss),
            training=_opt(obj.get("training"), bool),
            backend=obj.get("backend"),
            finished=_opt(obj.get("finished"), bool),
            round=_opt(obj.get("round"), int),
            embedding=_opt(obj.get("embedding"), bool),
            cached_items=_opt(obj.get("cachedItems"), int),
            backend_fallback_reason=obj.get("backendFallbackReason"),
            machine_labels=_opt(obj.get("machineLabels"), int),
            auto_accept_open=_opt(obj.get("autoAcceptOpen"), bool),
            excluded=_opt(obj.get("excluded"), int),
            since_update=_opt(obj.get("sinceUpdate"), int),
        )

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (
                ("saved", self.saved),
                ("last_loss", None if self.last_loss is None else round(self.last_loss, 4)),
                ("training", self.training),
                ("embedding", self.embedding),
                ("finished", self.finished),
                ("machine_labels", self.machine_labels),
                ("excluded", self.excluded),
            )
            if value is not None
        )
        return (
            f"Progress(done={self.done}, positive={self.positive}, negative={self.negative}, "
            f"ignored={self.ignored}, model_version={self.model_version}, "
            f"loaded={self.loaded_items}/{self.item_count}{extra})"
        )


def _opt(value: Any, convert: Any) -> Any:
    return None if value is None else convert(value)


#: ``TrainingOptions`` (protocol 1.1): Python keyword → wire name. ``session/configure`` takes these.
TRAINING_OPTIONS: dict[str, str] = {
    "update_every": "updateEvery",
    "epochs": "epochs",
    "learning_rate": "learningRate",
    "batch_size": "batchSize",
    "loss": "loss",
    "margin": "margin",
    "query_order": "queryOrder",
    "random_share": "randomShare",
    "hard_negatives": "hardNegatives",
    "random_negatives": "randomNegatives",
    "keep_same_question": "keepSameQuestion",
    "questions_per_round": "questionsPerRound",
    "match_pool_size": "matchPoolSize",
    # protocol 1.4: classification sessions
    "uncertainty": "uncertainty",
    "diversity_weight": "diversityWeight",
    "certainty_threshold": "certaintyThreshold",
    "positive_label": "positiveLabel",
    "negative_label": "negativeLabel",
    "model_save_path": "modelSavePath",
}

#: Model options of ``SessionConfig`` beside the training options (protocol 1.1).
_MODEL_OPTIONS: dict[str, str] = {
    "input_shape": "inputShape",
    "model_path": "modelPath",
    "training_mode": "trainingMode",
    "train_layers": "trainLayers",
    "output_dim": "outputDim",
    "seed": "seed",
    "backend": "backend",
    # protocol 1.4: classification sessions
    "labels": "labels",
    "multi_label": "multiLabel",
}

#: ``backend=`` values (protocol 1.3): ``auto`` takes the first that loads of the others, in this order.
BACKENDS = ("auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu")


@dataclass(frozen=True)
class TailorConfig:
    """The wire form of Tailor: cut a general model at a layer, freeze it, add a projection head."""

    cut_at_layer: str | None = None
    freeze: bool | None = None
    output_dim: int | None = None

    def to_json(self) -> dict[str, Any]:
        """``{cutAtLayer, freeze, outputDim}`` without unset members."""
        out = {"cutAtLayer": self.cut_at_layer, "freeze": self.freeze, "outputDim": self.output_dim}
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TailorConfig:
        """Builds a tailor config from its wire form."""
        return cls(
            cut_at_layer=obj.get("cutAtLayer"), freeze=obj.get("freeze"), output_dim=obj.get("outputDim")
        )


#: ``SessionConfig.certainty_threshold`` that turns auto-accept off: the wire's ``null`` (None means unset).
CERTAINTY_OFF = "off"


@dataclass(frozen=True)
class SessionConfig:
    """What ``session/create`` needs to know about a session.

    Options left at None are not sent; the sidecar fills its defaults.
    """

    name: str
    task: str = "similarity"
    model: str = "hashed-ngram"
    content_type: str = "text"
    field: str | None = None
    top_k: int = 9
    # ---- protocol 1.1: training and query options (see TRAINING_OPTIONS)
    update_every: int | None = None
    epochs: int | None = None
    learning_rate: float | None = None
    batch_size: int | None = None
    loss: str | None = None
    margin: float | None = None
    query_order: str | None = None
    random_share: float | None = None
    hard_negatives: int | None = None
    random_negatives: int | None = None
    keep_same_question: bool | None = None
    questions_per_round: int | None = None
    match_pool_size: int | None = None
    # ---- protocol 1.4: classification query and auto-accept options
    #: Uncertainty measure of the active order: "margin", "least-confidence" or "entropy".
    uncertainty: str | None = None
    #: Weight of distance to already-asked items against uncertainty, in [0, 1].
    diversity_weight: float | None = None
    #: Predictions at least this certain are auto-accepted once the gate opens (see ``CERTAINTY_OFF``).
    certainty_threshold: float | str | None = None
    positive_label: float | None = None
    negative_label: float | None = None
    model_save_path: str | None = None
    # ---- protocol 1.1: model options
    #: Element shape of image ([height, width, channels]) and vector ([dim]) items.
    input_shape: tuple[int, ...] | None = None
    #: A TF.js ``model.json`` (model "file"), or a model directory (model "sentence-encoder").
    model_path: str | None = None
    #: ``sentence-encoder`` (protocol 1.3): "adapter", "top-layers" or "full".
    training_mode: str | None = None
    #: ``training_mode="top-layers"``: how many top transformer layers train.
    train_layers: int | None = None
    tailor: TailorConfig | None = None
    #: Embedding size of the built-in models.
    output_dim: int | None = None
    seed: int | None = None
    #: TF.js backend (``BACKENDS``); None: the JupyterLab setting, else the sidecar's default (protocol 1.3).
    backend: str | None = None
    # ---- protocol 1.4: classification sessions
    #: The label names, in display order.
    labels: tuple[str, ...] | None = None
    #: An item may take any number of labels.
    multi_label: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form (camelCase; unset options left out)."""
        out: dict[str, Any] = {
            "name": self.name,
            "task": self.task,
            "model": self.model,
            "contentType": self.content_type,
            "topK": self.top_k,
        }
        if self.field is not None:
            out["field"] = self.field
        for py, wire in (*TRAINING_OPTIONS.items(), *_MODEL_OPTIONS.items()):
            value = getattr(self, py)
            if py == "certainty_threshold" and value == CERTAINTY_OFF:
                out[wire] = None  # the wire's null: auto-accept off
            elif value is not None:
                out[wire] = list(value) if isinstance(value, tuple) else value
        if self.tailor is not None:
            out["tailor"] = self.tailor.to_json()
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SessionConfig:
        """Builds a config from its wire form."""
        options = {py: obj.get(wire) for py, wire in (*TRAINING_OPTIONS.items(), *_MODEL_OPTIONS.items())}
        for key in ("input_shape", "labels"):
            if options[key] is not None:
                options[key] = tuple(options[key])
        if "certaintyThreshold" in obj and obj["certaintyThreshold"] is None:
            options["certainty_threshold"] = CERTAINTY_OFF
        tailor = obj.get("tailor")
        return cls(
            name=obj["name"],
            task=obj["task"],
            model=obj["model"],
            content_type=obj["contentType"],
            field=obj.get("field"),
            top_k=int(obj["topK"]),
            tailor=TailorConfig.from_json(tailor) if tailor is not None else None,
            **options,
        )


@dataclass(frozen=True)
class SessionInfo:
    """A session as the sidecar describes it."""

    id: str
    config: SessionConfig
    #: ISO-8601 creation time.
    created_at: str
    #: True until the chunk flagged ``isLast`` has arrived.
    loading: bool
    progress: Progress
    #: The dataset was in the store: labels and the latest model version were restored (protocol 1.2).
    resumed: bool = False

    @property
    def name(self) -> str:
        """The session's name (unique among live sessions)."""
        return self.config.name

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SessionInfo:
        """Builds session info from its wire form."""
        return cls(
            id=obj["id"],
            config=SessionConfig.from_json(obj),
            created_at=obj["createdAt"],
            loading=bool(obj["loading"]),
            progress=Progress.from_json(obj["progress"]),
            resumed=bool(obj.get("resumed", False)),
        )


@dataclass(frozen=True)
class AnswerRecord:
    """One stored answer, as ``session/labels`` returns it."""

    answer_id: str
    question_id: str
    query_id: ItemId
    query_index: int
    candidate_ids: tuple[ItemId, ...]
    relevant_ids: tuple[ItemId, ...]
    ignored: bool
    model_version: int
    annotator: str
    #: ISO-8601 time the answer was committed.
    time: str
    undone: bool
    #: Classification (1.4): the labels chosen (names); None for similarity answers.
    labels: tuple[str, ...] | None = None
    #: Classification (1.4): the answer accepted the shown prediction, or confirmed a machine label.
    accepted_prediction: bool | None = None
    #: Classification (1.4): the answer uses a removed label, so training leaves it out.
    excluded: bool | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> AnswerRecord:
        """Builds an answer record from its wire form."""
        return cls(
            answer_id=obj["answerId"],
            question_id=obj["questionId"],
            query_id=obj["queryId"],
            query_index=int(obj["queryIndex"]),
            candidate_ids=tuple(obj["candidateIds"]),
            relevant_ids=tuple(obj["relevantIds"]),
            ignored=bool(obj["ignored"]),
            model_version=int(obj["modelVersion"]),
            annotator=obj["annotator"],
            time=obj["time"],
            undone=bool(obj["undone"]),
            labels=None if obj.get("labels") is None else tuple(obj["labels"]),
            accepted_prediction=_opt(obj.get("acceptedPrediction"), bool),
            excluded=_opt(obj.get("excluded"), bool),
        )


@dataclass(frozen=True)
class MachineLabelRecord:
    """An auto-accepted item, kept apart from human labels until confirmed or rejected (protocol 1.4)."""

    item_id: ItemId
    #: Pool position.
    index: int
    labels: tuple[str, ...]
    #: The certainty that passed the threshold.
    score: float
    model_version: int
    #: Text items: the text.
    text: str | None = None
    image: str | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> MachineLabelRecord:
        """Builds a machine label from its wire form."""
        return cls(
            item_id=obj["itemId"],
            index=int(obj["index"]),
            labels=tuple(obj["labels"]),
            score=float(obj["score"]),
            model_version=int(obj["modelVersion"]),
            text=obj.get("text"),
            image=obj.get("image"),
        )


@dataclass(frozen=True)
class ClassifierHead:
    """``model/export``'s ``classifierHead`` (protocol 1.4, format ``tunelab-classifier-head/1``).

    The head over the encoder's embedding; ``tunelab.TunedClassifier`` applies it (docs/classification.md).
    """

    labels: tuple[str, ...]
    num_classes: int
    #: Embedding size: rows of ``kernel``.
    dim: int
    model_version: int
    #: ``dim`` rows x ``len(labels)`` columns.
    kernel: tuple[tuple[float, ...], ...] = field(repr=False)
    bias: tuple[float, ...] = field(repr=False)
    #: Per label: it has labelled rows (the single-label softmax runs over these only).
    labelled: tuple[bool, ...]
    #: Per label: the weight of the uniform prior mixed into the probabilities.
    mix: tuple[float, ...]
    multi_label: bool
    format: str = CLASSIFIER_HEAD_FORMAT

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ClassifierHead:
        """Builds a head from its wire form; ``ValueError`` for another format or inconsistent shapes."""
        if obj.get("format") != CLASSIFIER_HEAD_FORMAT:
            raise ValueError(
                f"classifier head format {obj.get('format')!r} is not {CLASSIFIER_HEAD_FORMAT!r}"
            )
        head = cls(
            labels=tuple(obj["labels"]),
            num_classes=int(obj["numClasses"]),
            dim=int(obj["dim"]),
            model_version=int(obj["modelVersion"]),
            kernel=tuple(tuple(float(x) for x in row) for row in obj["kernel"]),
            bias=tuple(float(x) for x in obj["bias"]),
            labelled=tuple(bool(x) for x in obj["labelled"]),
            mix=tuple(float(x) for x in obj["mix"]),
            multi_label=bool(obj["multiLabel"]),
        )
        head.check()
        return head

    def check(self) -> None:
        """Raises ``ValueError`` naming the first member whose size disagrees with the others."""
        c = self.num_classes
        sizes = {"labels": len(self.labels), "bias": len(self.bias), "labelled": len(self.labelled)}
        sizes["mix"] = len(self.mix)
        for name, size in sizes.items():
            if size != c:
                raise ValueError(f"classifier head: {name} has {size} entries, numClasses is {c}")
        if len(self.kernel) != self.dim or any(len(row) != c for row in self.kernel):
            raise ValueError(f"classifier head: kernel must be {self.dim} rows of {c} values")

    def to_json(self) -> dict[str, Any]:
        """The wire (and ``head.json``) form."""
        return {
            "format": self.format,
            "labels": list(self.labels),
            "numClasses": self.num_classes,
            "dim": self.dim,
            "modelVersion": self.model_version,
            "kernel": [list(row) for row in self.kernel],
            "bias": list(self.bias),
            "labelled": list(self.labelled),
            "mix": list(self.mix),
            "multiLabel": self.multi_label,
        }


@dataclass(frozen=True)
class ModelVersionRecord:
    """One model version of a session (``model/history``)."""

    version: int
    #: Training loss of the round that made it; None for the initial model.
    loss: float | None
    #: Answers the version was trained on.
    answers: int
    time: str
    train_ms: float

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ModelVersionRecord:
        """Builds a model version record from its wire form."""
        loss = obj.get("loss")
        return cls(
            version=int(obj["version"]),
            loss=None if loss is None else float(loss),
            answers=int(obj["answers"]),
            time=obj["time"],
            train_ms=float(obj["trainMs"]),
        )


# ---------------------------------------------------------------- byte codecs


class FrameKind(enum.IntEnum):
    """Kind byte of a socket frame."""

    TEXT = 1
    BINARY = 2


FRAME_HEADER = struct.Struct(">BI")
_U32 = struct.Struct(">I")


class FrameError(ValueError):
    """A socket frame or binary message that cannot be decoded."""


@dataclass(frozen=True)
class Frame:
    """One socket frame: a text message (UTF-8 JSON) or a binary message."""

    kind: FrameKind
    body: bytes


def encode_frame(kind: FrameKind | int, body: bytes) -> bytes:
    """Encodes one socket frame ``[u8 kind][u32 BE len][body]``."""
    return FRAME_HEADER.pack(int(kind), len(body)) + body


@dataclass
class FrameDecoder:
    """Incremental decoder: feed it bytes from a stream, get whole frames back.

    ``max_body`` guards against a corrupt length making us buffer without end.
    """

    max_body: int = LIMITS.max_binary_message_bytes + 1024 * 1024
    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> Iterator[Frame]:
        """Adds ``data`` and yields every frame completed by it."""
        self._buffer += data
        while len(self._buffer) >= FRAME_HEADER.size:
            kind, length = FRAME_HEADER.unpack_from(self._buffer)
            if kind not in (FrameKind.TEXT, FrameKind.BINARY):
                raise FrameError(f"unknown frame kind {kind}")
            if length > self.max_body:
                raise FrameError(f"frame of {length} bytes exceeds the {self.max_body}-byte limit")
            end = FRAME_HEADER.size + length
            if len(self._buffer) < end:
                return
            body = bytes(self._buffer[FRAME_HEADER.size : end])
            del self._buffer[:end]
            yield Frame(FrameKind(kind), body)


def encode_binary_message(message: dict[str, Any], payload: bytes) -> bytes:
    """Encodes a JSON-RPC message plus a raw payload into one binary message."""
    header = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return _U32.pack(len(header)) + header + payload


def decode_binary_message(data: bytes) -> tuple[dict[str, Any], bytes]:
    """Decodes a binary message into ``(message, payload)``; raises ``FrameError``."""
    if len(data) < _U32.size:
        raise FrameError(f"binary message of {len(data)} bytes is shorter than its 4-byte header length")
    (header_length,) = _U32.unpack_from(data)
    if header_length > len(data) - _U32.size:
        raise FrameError(
            f"binary message declares a {header_length}-byte JSON header "
            f"but only {len(data) - _U32.size} bytes follow"
        )
    try:
        message = json.loads(data[_U32.size : _U32.size + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FrameError(f"binary message header is not UTF-8 JSON: {err}") from err
    return message, data[_U32.size + header_length :]


def encode_message(message: dict[str, Any], payload: bytes | None = None) -> Frame:
    """Encodes a JSON-RPC message as a text frame, or a binary frame when it has a payload."""
    if payload is None:
        return Frame(FrameKind.TEXT, json.dumps(message, separators=(",", ":")).encode("utf-8"))
    return Frame(FrameKind.BINARY, encode_binary_message(message, payload))


def decode_message(frame: Frame) -> dict[str, Any]:
    """Decodes a frame into a JSON-RPC message, attaching a binary payload.

    The payload goes to ``params.payload`` (requests, notifications) or
    ``result.payload`` (responses), as in ``src/protocol/frames.ts``.
    """
    if frame.kind == FrameKind.TEXT:
        try:
            message = json.loads(frame.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise FrameError(f"text message is not UTF-8 JSON: {err}") from err
        if not isinstance(message, dict):
            raise FrameError("text message is not a JSON object")
        return message
    message, payload = decode_binary_message(frame.body)
    if not isinstance(message, dict):
        raise FrameError("binary message header is not a JSON object")
    slot = "params" if "method" in message else "result"
    target = message.get(slot)
    if isinstance(target, dict):
        target["payload"] = payload
    return message
