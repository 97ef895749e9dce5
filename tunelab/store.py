"""Where Tunelab keeps labels, and read-only access to them without a sidecar (docs/storage.md).

The sidecar owns the SQLite label store and is its only writer. This module finds the store the
same way the sidecar does and reads it in SQLite's read-only mode, so ``tunelab.labels("name")``
works in any Python process, with or without a running sidecar.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from .protocol import LABEL_FORMATS, AnswerRecord

if TYPE_CHECKING:  # pandas loads on first use: the Jupyter server imports this module at start
    import pandas as pd

#: Overrides where the label store and saved model versions live.
DATA_DIR_ENV = "TUNELAB_DATA_DIR"
DB_FILE = "labels.sqlite3"


def data_dir() -> Path:
    """``$TUNELAB_DATA_DIR``, else ``<Jupyter data dir>/tunelab`` (``jupyter --data-dir``)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()).resolve() / "tunelab"


_EXTENSIONS = {".jsonl": "jsonl", ".csv": "csv", ".json": "label-studio"}


def label_format(format: str | None, path: str | os.PathLike[str] | None) -> str:
    """The label file format: ``format`` if given (checked), else from ``path``'s extension, else jsonl."""
    if format is not None:
        if format not in LABEL_FORMATS:
            raise ValueError(f"format={format!r}; use one of {LABEL_FORMATS}")
        return format
    suffix = Path(path).suffix.lower() if path is not None else ".jsonl"
    if suffix not in _EXTENSIONS:
        raise ValueError(
            f"cannot tell the label format from {suffix!r}: pass format= (one of {LABEL_FORMATS})"
        )
    return _EXTENSIONS[suffix]


def _connect_read_only() -> tuple[sqlite3.Connection, Path]:
    path = data_dir() / DB_FILE
    if not path.exists():
        raise FileNotFoundError(f"no Tunelab label store at {path} (set {DATA_DIR_ENV} to read another one)")
    # mode=ro: never writes, and reads a WAL database the sidecar has open at the same time.
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True), path


def datasets() -> pd.DataFrame:
    """The store's datasets: ``name``, ``id``, ``created_at``, ``answers`` (not undone), ``closed``."""
    import pandas as pd

    conn, path = _connect_read_only()
    try:
        rows = conn.execute(
            "SELECT d.name, d.id, d.created_at,"
            " (SELECT COUNT(*) FROM answers a WHERE a.dataset_id = d.id AND a.undone = 0), d.closed"
            " FROM datasets d ORDER BY d.created_at"
        ).fetchall()
    except sqlite3.DatabaseError as err:
        raise RuntimeError(f"cannot read the Tunelab label store {path}: {err}") from err
    finally:
        conn.close()
    frame = pd.DataFrame(rows, columns=["name", "id", "created_at", "answers", "closed"])
    frame["closed"] = frame["closed"].astype(bool)
    return frame


def labels(name: str, include_undone: bool = False) -> pd.DataFrame:
    """The labels of dataset ``name`` read straight from the store, no sidecar needed.

    Same layout as ``Session.labels`` (one row per query-candidate pair); undone answers are left out
    unless ``include_undone``. The store is opened read-only, so this is safe while a sidecar labels.
    """
    conn, path = _connect_read_only()
    try:
        found = conn.execute("SELECT id, config FROM datasets WHERE name = ?", (name,)).fetchone()
        if found is None:
            known = [row[0] for row in conn.execute("SELECT name FROM datasets ORDER BY name")]
            raise KeyError(f"no dataset named {name!r} in {path}; known: {known}")
        dataset_id, config_text = found
        index_of = {
            json.loads(item_id): int(index)
            for item_id, index in conn.execute(
                "SELECT item_id, item_index FROM items WHERE dataset_id = ?", (dataset_id,)
            )
        }
        rows = conn.execute(
            "SELECT a.answer_id, a.question_id, q.query_id, q.candidate_ids, a.relevant_ids, a.ignored,"
            " q.model_version, a.annotator, a.answered_at, a.undone"
            " FROM answers a JOIN questions q"
            " ON q.dataset_id = a.dataset_id AND q.question_id = a.question_id"
            " WHERE a.dataset_id = ? ORDER BY a.seq",
            (dataset_id,),
        ).fetchall()
    except sqlite3.DatabaseError as err:
        raise RuntimeError(f"cannot read the Tunelab label store {path}: {err}") from err
    finally:
        conn.close()
    answers = []
    for (
        answer_id,
        question_id,
        query,
        candidates,
        relevant,
        ignored,
        version,
        annotator,
        time,
        undone,
    ) in rows:
        query_id = json.loads(query)
        answers.append(
            AnswerRecord(
                answer_id=answer_id,
                question_id=question_id,
                query_id=query_id,
                query_index=index_of.get(query_id, -1),
                candidate_ids=tuple(json.loads(candidates)),
                relevant_ids=tuple(json.loads(relevant)),
                ignored=bool(ignored),
                model_version=int(version),
                annotator=annotator,
                time=time,
                undone=bool(undone),
            )
        )
    from .frames import labels_frame

    config = json.loads(config_text)
    positive = config.get("positiveLabel", 1.0)
    negative = config.get("negativeLabel", -1.0)
    frame = labels_frame(answers, index_of, positive, negative)
    return frame if include_undone else frame[~frame["undone"]].reset_index(drop=True)
