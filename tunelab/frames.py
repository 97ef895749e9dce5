"""Stored answers (``session/labels``) and model versions (``model/history``) as pandas DataFrames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .protocol import AnswerRecord, ItemId, MachineLabelRecord, ModelVersionRecord

#: Columns of ``Session.labels``, in order.
LABEL_COLUMNS = [
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
HISTORY_COLUMNS = ["version", "loss", "answers", "time", "train_ms"]
#: Columns of ``Session.labels`` in a classification session (one row per answer), in order.
CLASSIFICATION_LABEL_COLUMNS = [
    "item_id",
    "index",
    "labels",
    "label",
    "ignored",
    "accepted_prediction",
    "excluded",
    "model_version",
    "annotator",
    "time",
    "undone",
    "answer_id",
    "question_id",
]
#: Columns of ``Session.machine_labels()``.
MACHINE_LABEL_COLUMNS = ["index", "item_id", "text", "labels", "label", "score", "model_version"]


def labels_frame(
    answers: Sequence[AnswerRecord],
    index_of: Mapping[ItemId, int],
    positive_label: float = 1.0,
    negative_label: float = -1.0,
) -> pd.DataFrame:
    """One row per (answer, candidate) pair; see ``Session.labels`` for the layout."""
    rows: list[dict[str, Any]] = []
    for answer in answers:
        relevant = set(answer.relevant_ids)
        candidates: Sequence[ItemId | None] = answer.candidate_ids or (None,)
        for candidate in candidates:
            is_relevant = candidate is not None and candidate in relevant
            value = None if answer.ignored else (positive_label if is_relevant else negative_label)
            rows.append(
                {
                    "query_id": answer.query_id,
                    "query_index": answer.query_index,
                    "candidate_id": candidate,
                    "candidate_index": index_of.get(candidate) if candidate is not None else None,
                    "label": value,
                    "relevant": is_relevant,
                    "ignored": answer.ignored,
                    "model_version": answer.model_version,
                    "annotator": answer.annotator,
                    "time": answer.time,
                    "undone": answer.undone,
                    "answer_id": answer.answer_id,
                    "question_id": answer.question_id,
                }
            )
    frame = pd.DataFrame(rows, columns=LABEL_COLUMNS)
    frame["query_index"] = frame["query_index"].astype("int64")
    frame["candidate_index"] = frame["candidate_index"].astype("Int64")
    frame["label"] = frame["label"].astype("Float64")
    for column in ("relevant", "ignored", "undone"):
        frame[column] = frame[column].astype(bool)
    frame["model_version"] = frame["model_version"].astype("int64")
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame


def history_frame(versions: Sequence[ModelVersionRecord]) -> pd.DataFrame:
    """One row per model version: version, loss (NaN for version 0), answers, time, train_ms."""
    frame = pd.DataFrame(
        [
            {
                "version": v.version,
                "loss": v.loss,
                "answers": v.answers,
                "time": v.time,
                "train_ms": v.train_ms,
            }
            for v in versions
        ],
        columns=HISTORY_COLUMNS,
    )
    frame["loss"] = frame["loss"].astype(float)
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame


def classification_labels_frame(answers: Sequence[AnswerRecord], multi_label: bool) -> pd.DataFrame:
    """One row per classification answer; ``label`` is the single label (None when skipped or multi-label)."""
    rows = [
        {
            "item_id": a.query_id,
            "index": a.query_index,
            "labels": list(a.labels or ()),
            "label": _single(a.labels, multi_label, a.ignored),
            "ignored": a.ignored,
            "accepted_prediction": bool(a.accepted_prediction),
            "excluded": bool(a.excluded),
            "model_version": a.model_version,
            "annotator": a.annotator,
            "time": a.time,
            "undone": a.undone,
            "answer_id": a.answer_id,
            "question_id": a.question_id,
        }
        for a in answers
    ]
    frame = pd.DataFrame(rows, columns=CLASSIFICATION_LABEL_COLUMNS)
    frame["index"] = frame["index"].astype("int64")
    for column in ("ignored", "accepted_prediction", "excluded", "undone"):
        frame[column] = frame[column].astype(bool)
    frame["model_version"] = frame["model_version"].astype("int64")
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    return frame


def machine_labels_frame(records: Sequence[MachineLabelRecord]) -> pd.DataFrame:
    """One row per auto-accepted item, in the sidecar's order (most certain first)."""
    rows = [
        {
            "index": r.index,
            "item_id": r.item_id,
            "text": r.text,
            "labels": list(r.labels),
            "label": r.labels[0] if len(r.labels) == 1 else None,
            "score": r.score,
            "model_version": r.model_version,
        }
        for r in records
    ]
    frame = pd.DataFrame(rows, columns=MACHINE_LABEL_COLUMNS)
    frame["index"] = frame["index"].astype("int64")
    frame["score"] = frame["score"].astype(float)
    frame["model_version"] = frame["model_version"].astype("int64")
    return frame


def _single(labels: tuple[str, ...] | None, multi_label: bool, ignored: bool) -> str | None:
    if multi_label or ignored or not labels or len(labels) != 1:
        return None
    return labels[0]
