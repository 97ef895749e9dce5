"""Text content: every row a ``str``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import DataError


def to_texts(content: Sequence[Any] | np.ndarray, field: str | None) -> list[str]:
    """Checks that every row is a string; raises ``DataError`` naming the first that is not."""
    if isinstance(content, np.ndarray):
        raise DataError(f"content_type='text' needs strings, not a {content.ndim}-D numpy array")
    texts = list(content)
    for i, value in enumerate(texts):
        if not isinstance(value, str):
            where = f"field {field!r} of row {i}" if field is not None else f"row {i}"
            raise DataError(f"{where} is {type(value).__name__}, expected a string", row=i)
    return texts
