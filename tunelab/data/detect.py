"""``content_type="auto"``: what kind of content a column holds.

The rules (also in ``tunelab.label``'s docstring), applied to the content column:

* a numpy array of numbers: 2-D → ``"vector"`` (one row per item), 3-D (NxHxW) or 4-D (NxHxWxC)
  → ``"image"``;
* otherwise row 0 decides: a ``str`` → ``"text"``, unless it names an existing file with an image
  extension (``.png``, ``.jpg``, …), then ``"image"`` (paths); a ``pathlib.Path``, a PIL image, encoded
  image ``bytes`` or a ``{"bytes"/"path"}`` dict (Hugging Face's undecoded images) → ``"image"``; a 1-D
  sequence of numbers → ``"vector"``; a 2-D/3-D nested sequence or array → ``"image"``.

Every other row must then be of the same kind; conversion names the first row that is not.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError

CONTENT_TYPES = ("text", "image", "vector")
IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pbm"}
)


def is_pil_image(value: Any) -> bool:
    """True for a ``PIL.Image.Image`` (checked without importing Pillow)."""
    return any(c.__module__.startswith("PIL.") and c.__name__ == "Image" for c in type(value).__mro__)


def looks_like_image_path(value: Any) -> bool:
    """A ``Path``, or a string naming an existing file with an image extension."""
    if isinstance(value, Path):
        return True
    return (
        isinstance(value, str)
        and len(value) < 4096
        and os.path.splitext(value)[1].lower() in IMAGE_EXTENSIONS
        and os.path.isfile(value)
    )


def detect_content_type(content: Sequence[Any] | np.ndarray, requested: str) -> str:
    """Resolves ``requested`` (``"auto"`` or one of ``CONTENT_TYPES``) for this content column."""
    if requested != "auto":
        if requested not in CONTENT_TYPES:
            raise ValueError(
                f"content_type={requested!r} is not supported; use 'auto', 'text', 'image' or 'vector'"
            )
        return requested
    if isinstance(content, np.ndarray) and content.ndim > 1:
        if content.dtype.kind not in "biuf":
            raise DataError(
                f"a {content.ndim}-D numpy array of {content.dtype} holds neither vectors nor images"
            )
        if content.ndim == 2:
            return "vector"
        if content.ndim in (3, 4):
            return "image"
        raise DataError(
            f"a {content.ndim}-D numpy array is neither vectors (2-D) nor images (3-D NxHxW, 4-D NxHxWxC)"
        )
    first = content[0]
    if isinstance(first, str):
        return "image" if looks_like_image_path(first) else "text"
    if isinstance(first, (Path, os.PathLike, bytes, bytearray)) or is_pil_image(first):
        return "image"
    if isinstance(first, Mapping) and ("bytes" in first or "path" in first):
        return "image"
    if isinstance(first, (numbers.Number, np.generic)) and not isinstance(first, bool):
        raise DataError(
            f"row 0 is a single number ({type(first).__name__}); vectors must be rows of numbers — "
            "pass a list of lists or a 2-D array",
            row=0,
        )
    if isinstance(first, (np.ndarray, Sequence)):
        try:
            ndim = np.asarray(first, dtype=float).ndim
        except (TypeError, ValueError):
            ndim = -1
        if ndim == 1:
            return "vector"
        if ndim in (2, 3):
            return "image"
    raise DataError(
        f"cannot tell what row 0 ({type(first).__name__}) is; pass content_type='text', 'image' or 'vector'",
        row=0,
    )
