"""Vector content: rows of numbers → one float32 matrix (N x D), finite values only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import DataError


def to_vectors(content: Sequence[Any] | np.ndarray, field: str | None) -> np.ndarray:
    """Stacks the rows into a C-contiguous float32 matrix; raises ``DataError`` naming a bad row."""
    where = (lambda i: f"field {field!r} of row {i}") if field is not None else (lambda i: f"row {i}")
    if isinstance(content, np.ndarray):
        if content.dtype.kind not in "biuf":
            raise DataError(f"vectors must be numbers, not a numpy array of {content.dtype}")
        matrix = np.asarray(content, dtype=np.float64).reshape(len(content), -1)
    else:
        rows: list[np.ndarray] = []
        width: int | None = None
        for i, value in enumerate(content):
            if isinstance(value, (str, bytes)) or value is None:
                raise DataError(f"{where(i)} is {type(value).__name__}, expected a vector of numbers", row=i)
            try:
                row = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError) as err:
                raise DataError(f"{where(i)} is not a vector of numbers ({err})", row=i) from None
            if row.ndim != 1:
                raise DataError(f"{where(i)} has shape {row.shape}, expected a 1-D vector", row=i)
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise DataError(
                    f"ragged vectors: {where(i)} has {len(row)} values but row 0 has {width}", row=i
                )
            rows.append(row)
        matrix = np.stack(rows) if rows else np.zeros((0, 0))
    if matrix.shape[1] == 0:
        raise DataError("vectors must have at least one value", row=0)
    out = matrix.astype(np.float32)
    finite = np.isfinite(out)
    if not finite.all():
        i, j = (int(k) for k in np.argwhere(~finite)[0])
        value = matrix[i, j]
        what = (
            "NaN" if np.isnan(value) else ("inf" if np.isinf(value) else f"{value} (too large for float32)")
        )
        raise DataError(f"{where(i)} holds {what} at position {j}; vectors must be finite", row=i)
    return np.ascontiguousarray(out)
