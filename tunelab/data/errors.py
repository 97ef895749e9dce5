"""The one exception bad user data raises."""

from __future__ import annotations


class DataError(ValueError):
    """The data passed to ``tunelab.label`` cannot be used; ``row`` names the offending row."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row
