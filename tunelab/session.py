"""``tunelab.label(...)`` and the ``Session`` it returns: the notebook's handle on a labeling session."""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
import weakref
from collections.abc import Iterable
from typing import Any

from .client import SidecarClient, SidecarError
from .data import PreparedData, prepare, to_arrow_chunks
from .discovery import get_client
from .protocol import ErrorCodes, ItemId, Methods, Progress, Question, SessionConfig, SessionInfo

log = logging.getLogger("tunelab.session")

_CONTENT_TYPES = {"auto": "text", "text": "text"}


def label(
    data: Any,
    model: str = "hashed-ngram",
    task: str = "similarity",
    name: str | None = None,
    field: str | None = None,
    id_field: str | None = None,
    top_k: int = 9,
    content_type: str = "auto",
) -> Session:
    """Starts (or resumes) a labeling session over ``data`` and returns it.

    Parameters
    ----------
    data:
        A list of strings or dicts, a pandas DataFrame or a pyarrow Table.
    model:
        Embedding model; ``"hashed-ngram"`` is the built-in text embedding.
    task:
        ``"similarity"``: each question is a query plus its ``top_k`` nearest items.
    name:
        Session name; a live session with the same name and pool is resumed.
        Defaults to a generated name.
    field:
        Field (dicts) or column (tables) holding the content; default ``"text"``.
    id_field:
        Field holding each item's id; default: the row position.
    """
    if task != "similarity":
        raise ValueError(f"task={task!r} is not supported yet; use task='similarity'")
    if content_type not in _CONTENT_TYPES:
        raise ValueError(f"content_type={content_type!r} is not supported yet; use 'text' or 'auto'")
    if not 1 <= int(top_k) <= 50:
        raise ValueError(f"top_k must be between 1 and 50, not {top_k}")
    prepared = prepare(data, field=field, id_field=id_field)
    config = SessionConfig(
        name=name or f"session-{secrets.token_hex(4)}",
        task=task,
        model=model,
        content_type=_CONTENT_TYPES[content_type],
        field=field,
        top_k=int(top_k),
    )
    return Session(get_client(), config, prepared)


class Session:
    """A labeling session in the sidecar.

    Displaying it in a cell shows the labeling widget; the methods let a
    script label too. Sessions live in the sidecar's memory for now: if the
    sidecar restarts, the session is re-created and its data re-uploaded
    transparently, but earlier answers are lost (durable storage comes later).
    """

    def __init__(self, client: SidecarClient, config: SessionConfig, data: PreparedData):
        self._client = client
        self._config = config
        self._data = data
        self._lock = threading.RLock()
        self._closed = False
        self._widget: Any = None
        self._info = self._create_and_upload()
        # Weak: the process-wide client outlives sessions.
        ref = weakref.WeakMethod(self._after_reconnect)
        client.on_reconnect(lambda: (m := ref()) and m())

    # ------------------------------------------------------------ public

    @property
    def id(self) -> str:
        """The sidecar's id of this session (changes if it had to be re-created)."""
        return self._info.id

    @property
    def name(self) -> str:
        """The session's name."""
        return self._config.name

    @property
    def info(self) -> SessionInfo:
        """Fresh session info from the sidecar."""
        return SessionInfo.from_json(self._call(Methods.SESSION_GET, idempotent=True))

    @property
    def progress(self) -> Progress:
        """Fresh progress counters (done, positive, negative, ignored, model version, loading)."""
        return self.info.progress

    def next_question(self) -> Question | None:
        """The next question, or None when none is left.

        Items of ``q.query`` and ``q.candidates`` carry ``.id`` (the
        ``id_field`` value, else the row position) and ``.index`` (the row position).
        """
        result = self._call(Methods.QUESTION_NEXT, idempotent=True)
        question = result.get("question")
        return Question.from_json(question) if question else None

    def answer(self, question: Question, relevant: Iterable[ItemId] = (), ignore: bool = False) -> Progress:
        """Answers ``question``: candidates in ``relevant`` are positives, the rest negatives.

        ``ignore=True`` skips the question instead. The answer carries a fresh
        id, so a resend after a dropped connection is not counted twice.
        """
        relevant = list(relevant)
        if ignore and relevant:
            raise ValueError("an ignored question cannot have relevant candidates")
        known = {c.id for c in question.candidates}
        for item_id in relevant:
            if item_id not in known:
                raise ValueError(
                    f"id {item_id!r} is not one of this question's candidates {sorted(known, key=str)}"
                )
        if question.session_id != self.id:
            raise ValueError(
                "this question belongs to an earlier incarnation of the session "
                "(the sidecar restarted); ask next_question() again"
            )
        params = {
            "questionId": question.id,
            "answerId": uuid.uuid4().hex,
            "relevant": relevant,
            "ignore": bool(ignore),
        }
        result = self._call(Methods.QUESTION_ANSWER, params, idempotent=True, retry_lost_session=False)
        return Progress.from_json(result["progress"])

    def undo(self) -> Progress:
        """Undoes the most recent answer of this session that is not undone yet."""
        result = self._call(Methods.SESSION_UNDO, retry_lost_session=False)
        return Progress.from_json(result["progress"])

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
        return f"<tunelab.Session name={self.name!r} id={self.id!r} items={len(self._data)} {state}>"

    # ------------------------------------------------------------ internals

    def _create_and_upload(self) -> SessionInfo:
        info = SessionInfo.from_json(self._client.request(Methods.SESSION_CREATE, self._config.to_json()))
        total = len(self._data)
        progress = info.progress
        if progress.loaded_items == 0 and progress.item_count == 0:
            chunks = list(to_arrow_chunks(self._data))
            for i, chunk in enumerate(chunks):
                params = {
                    "sessionId": info.id,
                    "chunkIndex": i,
                    "totalItems": total,
                    "isLast": i == len(chunks) - 1,
                }
                self._client.request(Methods.SESSION_APPEND_ITEMS, params, payload=chunk, timeout=120)
                log.debug("uploaded chunk %d/%d of session %s", i + 1, len(chunks), info.name)
        elif progress.item_count != total:
            raise ValueError(
                f"a live session named {info.name!r} already holds {progress.item_count} items, "
                f"not these {total}; pass another name="
            )
        return info

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
    ) -> Any:
        if self._closed:
            raise RuntimeError(f"session {self.name!r} is closed")
        for attempt in range(2):
            stale_id = self.id
            try:
                return self._client.request(
                    method, {"sessionId": stale_id, **(extra or {})}, idempotent=idempotent
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
