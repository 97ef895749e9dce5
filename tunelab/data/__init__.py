"""Turns the user's ``data`` into a validated pool and Arrow IPC chunks for ``session/appendItems``.

``prepare`` reads the content and id columns out of any supported container (``sources``),
decides the content type (``detect``), converts the content (``text``, ``vectors``, ``images``)
and checks the ids (``ids``); ``to_arrow_chunks`` (``arrow``) cuts the pool into chunks. Problems
raise ``DataError`` (a ``ValueError``) naming the field and the row, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrow import MAX_CHUNK_BYTES, MAX_CHUNK_TEXT_BYTES, chunk_bounds, ipc_stream, to_arrow_chunks
from .detect import CONTENT_TYPES, IMAGE_EXTENSIONS, detect_content_type
from .errors import DataError
from .ids import validate_ids
from .images import to_images
from .sources import DEFAULT_FIELDS, read_columns
from .text import to_texts
from .vectors import to_vectors

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_FIELDS",
    "IMAGE_EXTENSIONS",
    "MAX_CHUNK_BYTES",
    "MAX_CHUNK_TEXT_BYTES",
    "DataError",
    "PreparedData",
    "chunk_bounds",
    "detect_content_type",
    "ipc_stream",
    "prepare",
    "to_arrow_chunks",
]


@dataclass(frozen=True, eq=False)
class PreparedData:
    """The pool as plain columns, validated and ready to chunk."""

    #: User-facing ids: ``id_field`` values, else row positions.
    ids: list[int] | list[str]
    #: Text content (``content_type == "text"``).
    texts: list[str] | None = None
    #: ``"int"`` or ``"str"``: the Arrow type of the ``id`` column.
    id_type: str = "int"
    content_type: str = "text"
    #: Vector content: float32, N x D.
    vectors: np.ndarray | None = None
    #: Image content: uint8, N x H x W x C.
    images: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """``[D]`` for vectors, ``[H, W, C]`` for images, None for text."""
        if self.vectors is not None:
            return (int(self.vectors.shape[1]),)
        if self.images is not None:
            return tuple(int(d) for d in self.images.shape[1:])
        return None


def prepare(
    data: Any,
    field: str | None = None,
    id_field: str | None = None,
    content_type: str = "auto",
    image_size: tuple[int, int] | None = None,
    on_progress: Callable[[int], None] | None = None,
    channels: int | None = None,
) -> PreparedData:
    """Validates ``data`` and converts its content; see ``tunelab.label`` for what ``data`` may be.

    ``on_progress(rows_done)`` is called while images are decoded; ``channels`` forces the images'
    channel count (default: the first image's).
    """
    if content_type != "auto" and content_type not in CONTENT_TYPES:
        raise ValueError(
            f"content_type={content_type!r} is not supported; use 'auto', 'text', 'image' or 'vector'"
        )
    columns = read_columns(data, field, id_field)
    if len(columns.content) == 0:
        raise DataError("data is empty: tunelab.label needs at least one item")
    kind = detect_content_type(columns.content, content_type)
    if columns.ids is not None:
        assert id_field is not None
        ids, id_type = validate_ids(columns.ids, id_field)
    else:
        ids, id_type = list(range(len(columns.content))), "int"
    if kind == "text":
        return PreparedData(ids=ids, texts=to_texts(columns.content, columns.field), id_type=id_type)
    if kind == "vector":
        vectors = to_vectors(columns.content, columns.field)
        return PreparedData(ids=ids, id_type=id_type, content_type=kind, vectors=vectors)
    images = to_images(columns.content, columns.field, image_size, on_progress, channels)
    return PreparedData(ids=ids, id_type=id_type, content_type=kind, images=images)
