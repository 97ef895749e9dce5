"""Validation and Arrow chunking of user data (no processes)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from tunelab.data import DataError, chunk_bounds, prepare, to_arrow_chunks


def read_chunk(chunk: bytes) -> pa.Table:
    return pa.ipc.open_stream(chunk).read_all()


def test_list_of_strings_gets_row_positions_as_ids() -> None:
    data = prepare(["a", "b", "c"])
    (chunk,) = to_arrow_chunks(data)
    table = read_chunk(chunk)
    assert table.schema.names == ["id", "index", "text"]
    assert table.schema.field("id").type == pa.int64()
    assert table.to_pydict() == {"id": [0, 1, 2], "index": [0, 1, 2], "text": ["a", "b", "c"]}


def test_dicts_and_dataframes_with_id_field() -> None:
    rows = [{"body": "x", "key": "k1"}, {"body": "y", "key": "k2"}]
    for data in (rows, pd.DataFrame(rows), pa.Table.from_pylist(rows)):
        table = read_chunk(next(to_arrow_chunks(prepare(data, field="body", id_field="key"))))
        assert table.schema.field("id").type == pa.utf8()
        assert table.to_pydict() == {"id": ["k1", "k2"], "index": [0, 1], "text": ["x", "y"]}
    df = pd.DataFrame({"text": ["p", "q"], "n": [10, 20]})
    assert prepare(df, id_field="n").ids == [10, 20]


def test_chunks_respect_the_item_limit() -> None:
    data = prepare([f"t{i}" for i in range(25)])
    assert chunk_bounds(data, max_items=10) == [(0, 10), (10, 20), (20, 25)]
    tables = [read_chunk(c) for c in to_arrow_chunks(data, max_items=10)]
    assert [t.num_rows for t in tables] == [10, 10, 5]
    assert tables[2].column("index").to_pylist() == [20, 21, 22, 23, 24]


@pytest.mark.parametrize(
    ("data", "kwargs", "match", "row"),
    [
        ([], {}, "data is empty", None),
        (pd.DataFrame({"text": []}), {}, "data is empty", None),
        ([{"text": "a"}, {"body": "b"}], {}, "row 1 has no field 'text'", 1),
        (["a", 5], {}, "row 1 is int, expected a string", 1),
        ([{"t": "a"}, {"t": None}], {"field": "t"}, "field 't' of row 1 is NoneType", 1),
        (
            [{"text": "a", "k": 1}, {"text": "b", "k": 2}, {"text": "c", "k": 1}],
            {"id_field": "k"},
            "duplicate id 1 in rows 0 and 2",
            2,
        ),
        ([{"text": "a", "k": 1}, {"text": "b", "k": "x"}], {"id_field": "k"}, "mixes ints and strings", 1),
        (pd.DataFrame({"body": ["a"]}), {}, "no column 'text'", None),
        ("just a string", {}, "must be a list", None),
    ],
)
def test_bad_data_names_the_problem(data: object, kwargs: dict, match: str, row: int | None) -> None:
    with pytest.raises(DataError, match=match) as info:
        prepare(data, **kwargs)
    assert isinstance(info.value, ValueError) and info.value.row == row
