"""Turns the user's ``data`` into Arrow IPC chunks for ``session/appendItems``.

Each chunk is an Arrow IPC stream with columns ``id`` (int64, or utf8 for
string ``id_field`` values), ``index`` (int64 row position) and ``text``
(utf8). Problems in the data raise ``DataError`` (a ``ValueError``) naming
the field and the row, before anything is sent.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .protocol import LIMITS

#: Keep a chunk's text well under the binary message limit (JSON header and Arrow overhead on top).
MAX_CHUNK_TEXT_BYTES = LIMITS.max_binary_message_bytes // 4
#: JavaScript numbers hold integers exactly only up to 2**53.
_MAX_SAFE_INT = 2**53 - 1
_DEFAULT_FIELD = "text"


class DataError(ValueError):
    """The data passed to ``tunelab.label`` cannot be used; ``row`` names the offending row."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class PreparedData:
    """The pool as plain columns, validated and ready to chunk."""

    #: User-facing ids: ``id_field`` values, else row positions.
    ids: list[int] | list[str]
    texts: list[str]
    #: ``"int"`` or ``"str"``: the Arrow type of the ``id`` column.
    id_type: str

    def __len__(self) -> int:
        return len(self.texts)


def prepare(data: Any, field: str | None = None, id_field: str | None = None) -> PreparedData:
    """Validates ``data`` and extracts its ids and texts.

    ``data`` may be a list of strings, a list of dicts (content in ``field``,
    default ``"text"``), a pandas DataFrame (``field`` column, default
    ``"text"``), a pandas Series or a pyarrow Table.
    """
    rows, row_field = _rows(data, field, id_field)
    if len(rows) == 0:
        raise DataError("data is empty: tunelab.label needs at least one item")
    texts: list[str] = []
    for i, row in enumerate(rows):
        value = _get(row, row_field, i) if row_field is not None else row
        if not isinstance(value, str):
            where = f"field {row_field!r} of row {i}" if row_field is not None else f"row {i}"
            raise DataError(f"{where} is {type(value).__name__}, expected a string", row=i)
        texts.append(value)
    if id_field is None:
        return PreparedData(ids=list(range(len(texts))), texts=texts, id_type="int")
    return _with_ids(rows, id_field, texts)


def _rows(data: Any, field: str | None, id_field: str | None) -> tuple[Sequence[Any], str | None]:
    """Returns a row sequence and the field holding the content (None: the row is the content)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency, but keep the import local
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        name = field or _DEFAULT_FIELD
        for col in (name, id_field):
            if col is not None and col not in data.columns:
                raise DataError(f"the DataFrame has no column {col!r} (columns: {list(data.columns)})")
        cols = [name] + ([id_field] if id_field and id_field != name else [])
        return data[cols].to_dict("records"), name
    if pd is not None and isinstance(data, pd.Series):
        return data.tolist(), None
    if isinstance(data, pa.Table):
        name = field or _DEFAULT_FIELD
        for col in (name, id_field):
            if col is not None and col not in data.column_names:
                raise DataError(f"the table has no column {col!r} (columns: {data.column_names})")
        return data.select([c for c in dict.fromkeys([name, id_field]) if c]).to_pylist(), name
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise DataError(
            f"data must be a list of strings or dicts, a pandas DataFrame or a pyarrow Table, "
            f"not {type(data).__name__}"
        )
    if len(data) and isinstance(data[0], Mapping):
        return data, field or _DEFAULT_FIELD
    if field is not None and len(data):
        raise DataError(f"field={field!r} was given but row 0 is {type(data[0]).__name__}, not a dict", row=0)
    if id_field is not None:
        raise DataError("id_field needs rows that are dicts or a DataFrame")
    return data, None


def _get(row: Any, name: str, i: int) -> Any:
    if not isinstance(row, Mapping):
        raise DataError(f"row {i} is {type(row).__name__}, expected a dict with field {name!r}", row=i)
    if name not in row:
        raise DataError(f"row {i} has no field {name!r}", row=i)
    return row[name]


def _with_ids(rows: Sequence[Any], id_field: str, texts: list[str]) -> PreparedData:
    ids: list[Any] = []
    seen: dict[Any, int] = {}
    kind: str | None = None
    for i, row in enumerate(rows):
        value = _get(row, id_field, i)
        if isinstance(value, bool) or value is None or (isinstance(value, float) and math.isnan(value)):
            raise DataError(
                f"id field {id_field!r} of row {i} is {value!r}, expected an int or a string", row=i
            )
        if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer()):
            value, this_kind = int(value), "int"
            if abs(value) > _MAX_SAFE_INT:
                raise DataError(f"id {value} of row {i} is too large (ids must fit in ±2**53)", row=i)
        elif isinstance(value, str):
            this_kind = "str"
        else:
            raise DataError(
                f"id field {id_field!r} of row {i} is {type(value).__name__}, expected an int or a string",
                row=i,
            )
        if kind is None:
            kind = this_kind
        elif kind != this_kind:
            raise DataError(f"id field {id_field!r} mixes ints and strings (row {i} is {this_kind})", row=i)
        if value in seen:
            raise DataError(f"duplicate id {value!r} in rows {seen[value]} and {i}", row=i)
        seen[value] = i
        ids.append(value)
    return PreparedData(ids=ids, texts=texts, id_type=kind or "int")


def chunk_bounds(data: PreparedData, max_items: int = LIMITS.max_items_per_chunk) -> list[tuple[int, int]]:
    """Splits the pool into ``[start, end)`` ranges within the item and byte limits."""
    bounds: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, text in enumerate(data.texts):
        n = len(text.encode("utf-8"))
        if n > MAX_CHUNK_TEXT_BYTES:
            raise DataError(f"row {i} holds {n} bytes of text; the limit is {MAX_CHUNK_TEXT_BYTES}", row=i)
        if i > start and (i - start >= max_items or size + n > MAX_CHUNK_TEXT_BYTES):
            bounds.append((start, i))
            start, size = i, 0
        size += n
    bounds.append((start, len(data)))
    return bounds


def to_arrow_chunks(data: PreparedData, max_items: int = LIMITS.max_items_per_chunk) -> Iterator[bytes]:
    """Yields one Arrow IPC stream (bytes) per chunk of the pool."""
    id_type = pa.int64() if data.id_type == "int" else pa.utf8()
    schema = pa.schema([("id", id_type), ("index", pa.int64()), ("text", pa.utf8())])
    for start, end in chunk_bounds(data, max_items):
        batch = pa.record_batch(
            [
                pa.array(data.ids[start:end], type=id_type),
                pa.array(range(start, end), type=pa.int64()),
                pa.array(data.texts[start:end], type=pa.utf8()),
            ],
            schema=schema,
        )
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, schema) as writer:
            writer.write_batch(batch)
        yield sink.getvalue().to_pybytes()
