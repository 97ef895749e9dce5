"""Validation and Arrow chunking of user data (no processes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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


# ---------------------------------------------------------------- every data format


def column(chunk: bytes, name: str) -> list:
    return read_chunk(chunk).column(name).to_pylist()


def test_polars_and_hugging_face_frames() -> None:
    import datasets
    import polars as pl

    rows = {"body": ["x", "y", "z"], "key": ["a", "b", "c"]}
    for data in (pl.DataFrame(rows), datasets.Dataset.from_dict(rows)):
        prepared = prepare(data, field="body", id_field="key")
        table = read_chunk(next(to_arrow_chunks(prepared)))
        assert table.to_pydict() == {"id": ["a", "b", "c"], "index": [0, 1, 2], "text": ["x", "y", "z"]}
    assert prepare(pl.Series(["p", "q"])).texts == ["p", "q"]
    # Vectors in list columns come back as one float32 matrix.
    vectors = {"vector": [[1.0, 2.0], [3.0, 4.0]]}
    for data in (pl.DataFrame(vectors), datasets.Dataset.from_dict(vectors), pa.table(vectors)):
        prepared = prepare(data)
        assert prepared.content_type == "vector" and prepared.input_shape == (2,)
        np.testing.assert_array_equal(prepared.vectors, [[1, 2], [3, 4]])


def test_numpy_vectors_become_a_float32_fixed_size_list_column() -> None:
    vectors = np.arange(12, dtype=np.float64).reshape(4, 3)
    prepared = prepare(vectors)
    assert prepared.content_type == "vector" and prepared.input_shape == (3,)
    table = read_chunk(next(to_arrow_chunks(prepared)))
    assert table.schema.field("vector").type == pa.list_(pa.float32(), 3)
    assert table.column("vector").to_pylist()[1] == [3.0, 4.0, 5.0]
    assert prepare([[1, 2], (3, 4)]).vectors.dtype == np.float32  # lists of numbers too


def test_numpy_images_gray_and_color() -> None:
    gray = np.random.default_rng(0).integers(0, 256, (5, 6, 7), dtype=np.uint8)
    prepared = prepare(gray)
    assert prepared.content_type == "image" and prepared.input_shape == (6, 7, 1)
    table = read_chunk(next(to_arrow_chunks(prepared)))
    assert table.schema.field("image").type == pa.list_(pa.uint8(), 42)
    assert table.column("image").to_pylist()[2] == gray[2].reshape(-1).tolist()  # row-major HWC
    floats = np.linspace(0, 1, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    prepared = prepare(floats)
    assert prepared.input_shape == (4, 4, 3)
    np.testing.assert_array_equal(prepared.images, np.rint(floats * 255).astype(np.uint8))
    resized = prepare(gray, image_size=(3, 4))
    assert resized.images.shape == (5, 3, 4, 1)


def test_pil_images_and_paths(tmp_path: Path) -> None:
    from PIL import Image

    first = Image.fromarray(np.full((8, 10, 3), 200, dtype=np.uint8))
    gray = Image.fromarray(np.full((4, 5), 7, dtype=np.uint8), mode="L")
    prepared = prepare([first, gray])
    assert prepared.content_type == "image" and prepared.input_shape == (8, 10, 3)  # the first image's
    assert prepared.images[1].shape == (8, 10, 3) and int(prepared.images[1].max()) == 7  # gray → RGB
    paths = []
    for i, img in enumerate([first, gray]):
        paths.append(tmp_path / f"img{i}.png")
        img.save(paths[-1])
    for data in (paths, [str(p) for p in paths], pd.DataFrame({"image": [str(p) for p in paths]})):
        prepared = prepare(data, image_size=(4, 4))
        assert prepared.content_type == "image" and prepared.images.shape == (2, 4, 4, 3)
    # A column of PIL images in a DataFrame.
    frame = pd.DataFrame({"picture": [gray, first], "name": ["g", "f"]})
    prepared = prepare(frame, field="picture", id_field="name")
    assert prepared.ids == ["g", "f"] and prepared.input_shape == (4, 5, 1)


def test_hugging_face_image_feature_is_decoded(tmp_path: Path) -> None:
    import datasets
    from PIL import Image

    images = [Image.fromarray(np.full((3, 3), v, dtype=np.uint8), mode="L") for v in (1, 2)]
    features = datasets.Features({"image": datasets.Image(), "label": datasets.Value("int64")})
    data = datasets.Dataset.from_dict({"image": images, "label": [5, 6]}, features=features)
    prepared = prepare(data, id_field="label")
    assert prepared.content_type == "image" and prepared.ids == [5, 6]
    assert prepared.images[:, 0, 0, 0].tolist() == [1, 2]


def test_undecodable_image_file_names_row_and_path(tmp_path: Path) -> None:
    from PIL import Image

    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((2, 2), dtype=np.uint8)).save(good)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"this is not a png")
    with pytest.raises(DataError, match=r"row 2: image file '.*broken\.png' cannot be decoded") as info:
        prepare([good, good, bad])
    assert info.value.row == 2
    with pytest.raises(DataError, match=r"row 1: image file '.*missing\.png' does not exist"):
        prepare([good, tmp_path / "missing.png"])


@pytest.mark.parametrize(
    ("data", "kwargs", "match", "row"),
    [
        (["a", {"text": "b"}], {}, "row 1 is dict, expected a string", 1),
        ([{"text": "a"}, "b"], {}, "row 1 is str but row 0 is a dict", 1),
        ([[1.0, 2.0], [3.0, float("nan")]], {}, "row 1 holds NaN at position 1", 1),
        (np.array([[1.0, 2.0], [np.inf, 0.0]]), {}, "row 1 holds inf at position 0", 1),
        ([[1.0, 2.0], [1.0, 2.0, 3.0]], {}, "ragged vectors: row 1 has 3 values but row 0 has 2", 1),
        (pa.table({"vector": [[1.0], [2.0, 3.0]]}), {}, "ragged vectors: row 1 has 2 values", 1),
        ([[1.0, 2.0], "x"], {}, "row 1 is str, expected a vector", 1),
        (np.full((2, 3, 3), 2.0), {}, r"row 0 has float pixels in \[2, 2\]", 0),
        (np.full((2, 3, 3), 300), {}, "row 0 has integer pixels outside 0-255", 0),
        ([1.0, 2.0], {}, "row 0 is a single number", 0),
        ({"text": ["a", "b"], "k": [1]}, {}, "different lengths", None),
        (["a", "b"], {"content_type": "vector"}, "row 0 is str, expected a vector", 0),
    ],
)
def test_bad_content_names_the_row(data: object, kwargs: dict, match: str, row: int | None) -> None:
    with pytest.raises(DataError, match=match) as info:
        prepare(data, **kwargs)
    assert info.value.row == row


def test_content_type_auto_rules(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "a.jpg"
    Image.fromarray(np.zeros((2, 2, 3), dtype=np.uint8)).save(path)
    cases = [
        (["hello", "world"], "text"),
        (["not/a/file.png", "x"], "text"),  # no such file: just text
        ([str(path)], "image"),
        ([path], "image"),
        ([Image.open(path)], "image"),
        ([path.read_bytes()], "image"),
        (np.zeros((3, 4)), "vector"),
        (np.zeros((3, 4, 4)), "image"),
        (np.zeros((3, 4, 4, 3)), "image"),
        ([np.zeros(4)], "vector"),
        ([np.zeros((4, 4))], "image"),
        ([[0.5, 0.25]], "vector"),
        (pd.DataFrame({"embedding": [np.zeros(3)]}), "vector"),
    ]
    for data, expected in cases:
        assert prepare(data).content_type == expected, data
    with pytest.raises(ValueError, match="content_type='audio' is not supported"):
        prepare(["a"], content_type="audio")


def test_first_chunk_is_small_and_bytes_bound_later_chunks() -> None:
    data = prepare([f"t{i}" for i in range(25)])
    assert chunk_bounds(data, max_items=10, first_chunk=3) == [(0, 3), (3, 13), (13, 23), (23, 25)]
    images = prepare(np.zeros((10, 1024, 1024, 4), dtype=np.uint8))  # 4 MiB each
    bounds = chunk_bounds(images)
    assert all(end - start <= 4 for start, end in bounds) and bounds[-1][1] == 10
