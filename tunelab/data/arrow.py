"""The pool as Arrow IPC chunks for ``session/appendItems`` (and item batches for ``model/embed``).

Columns (docs/protocol.md): ``id`` (int64, or utf8 for string ids), ``index`` (int64 row
position), and one content column: ``text`` (utf8), ``vector`` (fixed_size_list<float32>[D]) or
``image`` (fixed_size_list<uint8>[H·W·C], row-major HWC).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..protocol import LIMITS
from .errors import DataError

if TYPE_CHECKING:
    from . import PreparedData

#: Keep a chunk's content well under the binary message limit (JSON header and Arrow overhead on top).
MAX_CHUNK_BYTES = LIMITS.max_binary_message_bytes // 4
#: Kept for callers of the text-only version.
MAX_CHUNK_TEXT_BYTES = MAX_CHUNK_BYTES


def row_bytes(data: PreparedData) -> Sequence[int] | int:
    """Content bytes of each row (texts), or of every row (vectors, images)."""
    if data.content_type == "text":
        assert data.texts is not None
        return [len(t.encode("utf-8")) for t in data.texts]
    array = data.vectors if data.content_type == "vector" else data.images
    assert array is not None
    return int(array[0].nbytes)


def chunk_bounds(
    data: PreparedData, max_items: int = LIMITS.max_items_per_chunk, first_chunk: int | None = None
) -> list[tuple[int, int]]:
    """Splits the pool into ``[start, end)`` ranges within the item and byte limits.

    ``first_chunk`` caps the first range, so questions can start after a small first upload.
    """
    sizes = row_bytes(data)
    n = len(data)
    if isinstance(sizes, int):
        if sizes > MAX_CHUNK_BYTES:
            raise DataError(f"one item holds {sizes} bytes; the limit is {MAX_CHUNK_BYTES}", row=0)
        sizes = [sizes] * n
    bounds: list[tuple[int, int]] = []
    start, size = 0, 0
    limit = min(max_items, first_chunk or max_items)
    for i, b in enumerate(sizes):
        if b > MAX_CHUNK_BYTES:
            raise DataError(f"row {i} holds {b} bytes of content; the limit is {MAX_CHUNK_BYTES}", row=i)
        if i > start and (i - start >= limit or size + b > MAX_CHUNK_BYTES):
            bounds.append((start, i))
            start, size, limit = i, 0, max_items
        size += b
    bounds.append((start, n))
    return bounds


def content_field(data: PreparedData) -> tuple[str, pa.DataType]:
    """Name and Arrow type of the content column."""
    if data.content_type == "text":
        return "text", pa.utf8()
    if data.content_type == "vector":
        assert data.vectors is not None
        return "vector", pa.list_(pa.float32(), int(data.vectors.shape[1]))
    assert data.images is not None
    return "image", pa.list_(pa.uint8(), int(np.prod(data.images.shape[1:])))


def content_array(data: PreparedData, start: int, end: int) -> pa.Array:
    """The content column of rows ``[start, end)``."""
    if data.content_type == "text":
        assert data.texts is not None
        return pa.array(data.texts[start:end], type=pa.utf8())
    array = data.vectors if data.content_type == "vector" else data.images
    assert array is not None
    rows = np.ascontiguousarray(array[start:end]).reshape(end - start, -1)
    return pa.FixedSizeListArray.from_arrays(pa.array(rows.reshape(-1)), rows.shape[1])


def to_arrow_chunks(
    data: PreparedData, max_items: int = LIMITS.max_items_per_chunk, first_chunk: int | None = None
) -> Iterator[bytes]:
    """Yields one Arrow IPC stream (bytes) per chunk of the pool."""
    for start, end in chunk_bounds(data, max_items, first_chunk):
        yield ipc_stream(data, start, end)


def ipc_stream(data: PreparedData, start: int, end: int) -> bytes:
    """Rows ``[start, end)`` as one Arrow IPC stream."""
    id_type = pa.int64() if data.id_type == "int" else pa.utf8()
    name, kind = content_field(data)
    schema = pa.schema([("id", id_type), ("index", pa.int64()), (name, kind)])
    batch = pa.record_batch(
        [
            pa.array(data.ids[start:end], type=id_type),
            pa.array(range(start, end), type=pa.int64()),
            content_array(data, start, end),
        ],
        schema=schema,
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()
