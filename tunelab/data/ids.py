"""Item ids: the ``id_field`` values (ints or strings, unique), else row positions."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .errors import DataError

#: JavaScript numbers hold integers exactly only up to 2**53.
_MAX_SAFE_INT = 2**53 - 1


def validate_ids(values: Sequence[Any], id_field: str) -> tuple[list[Any], str]:
    """Checks ``id_field`` values and returns ``(ids, "int" | "str")``.

    Ids must all be ints (within ±2**53) or all strings, and unique.
    """
    ids: list[Any] = []
    seen: dict[Any, int] = {}
    kind: str | None = None
    for i, value in enumerate(values):
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            value = value.item()  # numpy scalars
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
    return ids, kind or "int"
