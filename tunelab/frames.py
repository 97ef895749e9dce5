"""Stored answers (``session/labels``) and model versions (``model/history``) as pandas DataFrames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .protocol import AnswerRecord, ItemId, ModelVersionRecord

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
