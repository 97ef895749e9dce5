"""Reads the content column and the id column out of whatever container the user passed.

Supported: lists/tuples of values or of dicts, a dict of columns, pandas DataFrames and Series,
polars DataFrames and Series, pyarrow Tables and RecordBatches, Hugging Face ``datasets.Dataset``,
and numpy arrays (1-D of strings/objects, 2-D vectors, 3-D/4-D images). Container libraries other
than pandas, pyarrow and numpy are recognised by their module name and never imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import DataError

#: Fields tried, in order, when ``field`` is not given and the rows are dicts or tables.
DEFAULT_FIELDS = ("text", "image", "vector", "embedding")


@dataclass(frozen=True)
class Columns:
    """The content and the (optional) id values of every row."""

    #: A list of values, or a numpy array whose first axis is the rows.
    content: Sequence[Any] | np.ndarray
    #: ``id_field`` values, None without ``id_field``.
    ids: Sequence[Any] | None
    #: Where the content came from, for messages: the field/column name, or None (the rows themselves).
    field: str | None


def read_columns(data: Any, field: str | None, id_field: str | None) -> Columns:
    """Splits ``data`` into its content column and its id column; raises ``DataError``."""
    module = type(data).__module__.split(".", 1)[0]
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        return _from_table("DataFrame", names, lambda c: data[c].tolist(), field, id_field)
    if isinstance(data, pd.Series):
        _no_fields("a pandas Series", field, id_field)
        return Columns(data.tolist(), None, None)
    if module == "polars":
        if hasattr(data, "columns"):  # polars.DataFrame
            return read_columns(data.to_arrow(), field, id_field)
        _no_fields("a polars Series", field, id_field)
        return Columns(arrow_values(data.to_arrow()), None, None)
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        return _from_table(
            "table", data.column_names, lambda c: arrow_values(data.column(c)), field, id_field
        )
    if module == "datasets" and hasattr(data, "column_names") and hasattr(data, "features"):
        return _from_table("dataset", list(data.column_names), _hf_getter(data), field, id_field)
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            raise DataError("data is a 0-d numpy array; pass a list or an array with one row per item")
        _no_fields("a numpy array", field, id_field)
        return Columns(data if data.ndim > 1 else data.tolist(), None, None)
    if isinstance(data, Mapping):
        names = [str(k) for k in data]
        lengths = {len(v) for v in data.values() if hasattr(v, "__len__")}
        if len(lengths) > 1:
            raise DataError(f"the columns of the dict have different lengths {sorted(lengths)}")
        return _from_table("dict of columns", names, lambda c: list(data[c]), field, id_field)
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise DataError(
            "data must be a list of strings, dicts, vectors, images or image paths; a pandas or polars "
            "DataFrame; a pyarrow Table; a Hugging Face Dataset or a numpy array — "
            f"not {type(data).__name__}"
        )
    if len(data) and isinstance(data[0], Mapping):
        return _from_dict_rows(data, field, id_field)
    if field is not None and len(data):
        raise DataError(f"field={field!r} was given but row 0 is {type(data[0]).__name__}, not a dict", row=0)
    if id_field is not None:
        raise DataError("id_field needs rows that are dicts, or a table")
    return Columns(data, None, None)


def arrow_values(column: pa.Array | pa.ChunkedArray) -> Sequence[Any] | np.ndarray:
    """An Arrow column as Python values, or as a 2-D float array when it holds numeric lists."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if (pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)) and (
        pa.types.is_floating(kind.value_type) or pa.types.is_integer(kind.value_type)
    ):
        if column.null_count:
            row = column.is_null().to_pylist().index(True)
            raise DataError(f"row {row} is null, expected a vector", row=row)
        lengths = np.asarray(pc.list_value_length(column).to_numpy(zero_copy_only=False))
        if len(lengths) and (lengths != lengths[0]).any():
            row = int(np.argmax(lengths != lengths[0]))
            raise DataError(
                f"ragged vectors: row {row} has {lengths[row]} values but row 0 has {lengths[0]}", row=row
            )
        flat = pc.list_flatten(column).to_numpy(zero_copy_only=False)
        return np.asarray(flat).reshape(len(column), int(lengths[0]) if len(lengths) else 0)
    return column.to_pylist()


def _no_fields(what: str, field: str | None, id_field: str | None) -> None:
    if field is not None or id_field is not None:
        name = "field" if field is not None else "id_field"
        raise DataError(f"{name}= needs rows that are dicts, or a table; {what} has no fields")


def _pick_field(kind: str, names: Sequence[str], field: str | None) -> str:
    if field is not None:
        if field not in names:
            raise DataError(f"the {kind} has no column {field!r} (columns: {list(names)})")
        return field
    for name in DEFAULT_FIELDS:
        if name in names:
            return name
    raise DataError(
        f"the {kind} has no column 'text' (nor 'image', 'vector' or 'embedding'); "
        f"name the content column with field= (columns: {list(names)})"
    )


def _from_table(
    kind: str, names: Sequence[str], get: Callable[[str], Any], field: str | None, id_field: str | None
) -> Columns:
    name = _pick_field(kind, names, field)
    if id_field is not None and id_field not in names:
        raise DataError(f"the {kind} has no column {id_field!r} (columns: {list(names)})")
    content = get(name)
    ids = get(id_field) if id_field is not None else None
    if ids is not None and isinstance(ids, np.ndarray):
        ids = ids.tolist()
    return Columns(content, ids, name)


def _from_dict_rows(rows: Sequence[Any], field: str | None, id_field: str | None) -> Columns:
    name = field or next((f for f in DEFAULT_FIELDS if f in rows[0]), DEFAULT_FIELDS[0])
    content = [_get(row, name, i) for i, row in enumerate(rows)]
    ids = [_get(row, id_field, i) for i, row in enumerate(rows)] if id_field is not None else None
    return Columns(content, ids, name)


def _get(row: Any, name: str, i: int) -> Any:
    if not isinstance(row, Mapping):
        raise DataError(
            f"row {i} is {type(row).__name__} but row 0 is a dict; expected a dict with field {name!r}",
            row=i,
        )
    if name not in row:
        raise DataError(f"row {i} has no field {name!r}", row=i)
    return row[name]


def _hf_getter(dataset: Any) -> Callable[[str], Any]:
    """Column reader for a Hugging Face Dataset: Arrow for plain columns, decoded values for images."""

    def get(name: str) -> Any:
        feature = dataset.features.get(name)
        if type(feature).__name__ in ("Image", "Audio", "Video"):
            return list(dataset[name])  # decoded (PIL images)
        return arrow_values(dataset.with_format("arrow")[name])

    return get
