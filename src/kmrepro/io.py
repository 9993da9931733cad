"""Atomic writes: an interrupted run never leaves a half-written output that looks finished."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_csv_atomic(path: str | Path, frame: pd.DataFrame) -> None:
    write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
