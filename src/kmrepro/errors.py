"""One error type for bad input, so every caller reports file, row and problem the same way."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad user input. ``str()`` is a single line: ``FILE[:row N]: problem``.

    ``row`` counts lines of the file as a text editor shows them (the header is row 1).
    """

    def __init__(self, path: str | Path | None, message: str, row: int | None = None):
        self.path = None if path is None else str(path)
        self.row = row
        self.message = message
        where = self.path or "<input>"
        if row is not None:
            where += f":row {row}"
        super().__init__(f"{where}: {message}")
