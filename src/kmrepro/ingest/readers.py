"""Readers for digitized Kaplan-Meier curves and risk tables.

Every problem is reported as an :class:`~kmrepro.errors.InputError` naming the file and the row
(rows counted as a text editor shows them, header = row 1), so a user can fix the file without
guessing. Oddities that can be repaired safely are left to :mod:`kmrepro.reconstruct.cleaning`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmrepro.errors import InputError

#: Any survival value above this means the curve was digitized in percent.
PERCENT_THRESHOLD = 1.5
#: How far beyond [0, 1] (as a proportion) a click may stray before it is an error, not noise.
SURVIVAL_TOLERANCE = 0.05
#: How far before time 0 a click may stray, as a fraction of the largest time.
NEGATIVE_TIME_TOLERANCE = 0.02

SCALES = ("auto", "percent", "proportion")
CURVE_HEADERS = (("time", "survival"), ("t", "s"))
RISK_HEADERS = (("time", "n_at_risk"), ("trisk", "nrisk"))


@dataclass(frozen=True)
class DigitizedCurve:
    """Digitized points of one arm, survival as a proportion, in file order."""

    time: np.ndarray
    survival: np.ndarray
    path: str
    scale: str  # "percent" or "proportion": how the file stated survival


@dataclass(frozen=True)
class RiskTable:
    """Published numbers at risk of one arm, times strictly increasing."""

    time: np.ndarray
    n_at_risk: np.ndarray
    path: str


def _read_rows(path: str | Path) -> list[list[str]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not a UTF-8 text file ({err.reason})") from err
    rows = list(csv.reader(text.splitlines()))
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise InputError(path, "file is empty")
    return rows


def _number(cell: str, path: str | Path, row: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise InputError(path, f"column '{column}': {cell.strip()!r} is not a number", row) from None
    if not math.isfinite(value):
        raise InputError(path, f"column '{column}': {cell.strip()!r} is not a finite number", row)
    return value


def _columns(rows: list[list[str]], path, accepted: tuple[tuple[str, str], ...]) -> tuple[int, int]:
    """Locate the two needed columns by header name; other columns are ignored."""
    header = [cell.strip().lower() for cell in rows[0]]
    for first, second in accepted:
        if first in header and second in header:
            return header.index(first), header.index(second)
    wanted = " or ".join(f"'{a},{b}'" for a, b in accepted)
    raise InputError(path, f"missing columns: header must contain {wanted}, found {','.join(rows[0])!r}", 1)


def _numeric_pairs(rows, path, first_row: int, columns: tuple[int, int], names: tuple[str, str]):
    """Parse two numeric columns, skipping blank lines; returns (values, file rows)."""
    values, where = [], []
    for offset, row in enumerate(rows[first_row - 1 :]):
        line = first_row + offset
        cells = [row[c].strip() if c < len(row) else "" for c in columns]
        if not any(cells):
            continue
        for cell, name in zip(cells, names):
            if not cell:
                raise InputError(path, f"column '{name}' is empty", line)
        values.append([_number(cell, path, line, name) for cell, name in zip(cells, names)])
        where.append(line)
    if not values:
        raise InputError(path, "no data rows")
    return np.asarray(values, dtype=float), np.asarray(where)


def _is_headerless(rows: list[list[str]]) -> bool:
    cells = [c.strip() for c in rows[0]]
    if len(cells) < 2:
        return False
    try:
        float(cells[0]), float(cells[1])
    except ValueError:
        return False
    return True


def _is_webplotdigitizer(rows: list[list[str]]) -> bool:
    return len(rows) >= 2 and [c.strip().upper() for c in rows[1][:2]] == ["X", "Y"]


def _webplotdigitizer_columns(rows, path, dataset: str | None) -> tuple[int, int, str]:
    names = {cell.strip(): i for i, cell in enumerate(rows[0]) if cell.strip()}
    if dataset is None:
        if len(names) != 1:
            listed = ", ".join(repr(n) for n in names)
            raise InputError(path, f"several datasets in this WebPlotDigitizer file, choose one with --dataset: {listed}")
        dataset = next(iter(names))
    if dataset not in names:
        listed = ", ".join(repr(n) for n in names)
        raise InputError(path, f"dataset {dataset!r} not found; the file has: {listed}", 1)
    column = names[dataset]
    return column, column + 1, dataset


def _apply_scale(values: np.ndarray, scale: str, path) -> tuple[np.ndarray, str]:
    if scale not in SCALES:
        raise InputError(path, f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    if scale == "auto":
        scale = "percent" if np.nanmax(values) > PERCENT_THRESHOLD else "proportion"
    return (values / 100.0 if scale == "percent" else values), scale


def read_curve(path: str | Path, dataset: str | None = None, scale: str = "auto") -> DigitizedCurve:
    """Read a digitized curve: ``time,survival`` CSV (``T,S`` also accepted), bare ``x,y`` rows
    (WebPlotDigitizer's single-dataset export) or a WebPlotDigitizer "export all datasets" CSV
    (choose the arm with ``dataset``).

    ``scale='auto'`` reads survival as percent when any value exceeds 1.5.
    """
    rows = _read_rows(path)
    if _is_webplotdigitizer(rows):
        x, y, _ = _webplotdigitizer_columns(rows, path, dataset)
        data, lines = _numeric_pairs(rows, path, 3, (x, y), ("X", "Y"))
    else:
        if dataset is not None:
            raise InputError(path, f"--dataset {dataset!r} given, but this is not a WebPlotDigitizer export (row 2 is not 'X,Y')")
        if _is_headerless(rows):  # WebPlotDigitizer's export of a single dataset: bare x,y rows
            data, lines = _numeric_pairs(rows, path, 1, (0, 1), ("time", "survival"))
        else:
            columns = _columns(rows, path, CURVE_HEADERS)
            data, lines = _numeric_pairs(rows, path, 2, columns, ("time", "survival"))
    time, survival = data[:, 0], data[:, 1]
    survival, scale = _apply_scale(survival, scale, path)
    _check_ranges(time, survival, lines, path, scale)
    return DigitizedCurve(time=time, survival=survival, path=str(path), scale=scale)


def _check_ranges(time, survival, lines, path, scale: str) -> None:
    """Reject values no careful click could produce; small strays are repaired by cleaning."""
    floor = -NEGATIVE_TIME_TOLERANCE * max(float(np.max(time)), 0.0)
    bad = np.flatnonzero(time < floor)
    if bad.size:
        raise InputError(path, f"negative time {time[bad[0]]:g}", int(lines[bad[0]]))
    bad = np.flatnonzero((survival < -SURVIVAL_TOLERANCE) | (survival > 1 + SURVIVAL_TOLERANCE))
    if bad.size:
        shown = survival[bad[0]] * (100 if scale == "percent" else 1)
        bounds = "[0, 100] (percent)" if scale == "percent" else "[0, 1]"
        raise InputError(path, f"survival {shown:g} outside {bounds}", int(lines[bad[0]]))


def read_risk_table(path: str | Path) -> RiskTable:
    """Read a risk table CSV with header ``time,n_at_risk`` (Guyot's ``trisk,nrisk`` also accepted)."""
    rows = _read_rows(path)
    columns = _columns(rows, path, RISK_HEADERS)
    data, lines = _numeric_pairs(rows, path, 2, columns, ("time", "n_at_risk"))
    time, counts = data[:, 0], data[:, 1]
    for t, n, line in zip(time, counts, lines):
        if t < 0:
            raise InputError(path, f"negative time {t:g}", int(line))
        if n < 0 or n != round(n):
            raise InputError(path, f"n_at_risk {n:g} is not a non-negative whole number", int(line))
    for i in range(1, len(time)):
        if time[i] <= time[i - 1]:
            raise InputError(path, f"times must increase: {time[i]:g} follows {time[i - 1]:g}", int(lines[i]))
        if counts[i] > counts[i - 1]:
            raise InputError(
                path, f"number at risk rises over time: {counts[i]:g} at {time[i]:g} after {counts[i - 1]:g}", int(lines[i])
            )
    return RiskTable(time=time, n_at_risk=counts.astype(int), path=str(path))
