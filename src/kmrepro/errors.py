"""One error type for bad input, so every caller reports file, row and problem the same way."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad user input. ``str()`` is a single line: ``FILE[:row N]: problem``.

    ``row`` counts lines of the file as a text editor shows them (the header is row 1).
    """

    def __init__(self, path: str | Path, message: str, row: int | None = None):
        if path is None:
            raise TypeError("InputError needs the file at fault; raise ValueError for bad arguments")
        self.path = str(path)
        self.row = row
        self.message = message
        where = self.path
        if row is not None:
            where += f":row {row}"
        super().__init__(f"{where}: {message}")
