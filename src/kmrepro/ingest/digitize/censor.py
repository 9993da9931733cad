"""Censor marks (``|`` and ``+``) on a curve: ink of the arm's colour standing out from its line.

A drop's vertical line only joins two stretches; a censor mark's stem sticks out above and below the
line. So a column where the arm's ink continues at least MIN_STEM_PX above the top edge of the line
(measured from the level before any drop just to its left), or below its bottom edge (measured from
the level after any drop just to its right), carries a mark. Either side may be covered by another
curve drawn over it. Marks are never read as drops: the stretches on either side of a mark have the
same level (see :mod:`.trace`).
"""

from __future__ import annotations

import numpy as np

from .trace import Curve

MIN_STEM_PX = 2
MAX_STEM_PX = 30


def censor_marks(curve: Curve, mask: np.ndarray, both_sides: bool = False) -> np.ndarray:
    """Columns (sub-pixel) of the censor marks drawn on ``curve``. ``both_sides``: for two curves of one
    colour, whose drops and dashes are the same ink, a mark's stem sticks out on both sides of the line
    (as ``+`` and ``|`` do), or on one side no further than those that do (the other side under the
    other curve's line); a one-sided run of ink longer than a mark is a drop of the other curve."""
    return np.array([cols.mean() for cols, _ in _marks(curve, mask, both_sides)])


def mark_hang(curve: Curve, mask: np.ndarray, both_sides: bool = False) -> float:
    """How far the curve's censor marks hang below its line (px, the median over its marks; 0 if it
    shows none): a mark at the foot of a final drop lengthens it by as much."""
    hangs = [below.max() for _, below in _marks(curve, mask, both_sides)]
    return float(np.median(hangs)) if hangs else 0.0


def _marks(curve: Curve, mask: np.ndarray, both_sides: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each censor mark (see :func:`censor_marks`) as its columns and its stem's length below the line in each."""
    cols = np.arange(curve.first_col, curve.last_col + 1)
    lookaround = int(np.ceil(curve.width)) + 2
    half = (curve.width - 1) / 2
    upper = np.minimum(curve.level_at(cols), curve.level_at(cols - lookaround))
    lower = np.maximum(curve.level_at(cols), curve.level_at(cols + lookaround))
    above = _stem(mask, cols, np.floor(upper - half).astype(int) - 1, -1, curve.width)
    below = _stem(mask, cols, np.ceil(lower + half).astype(int) + 1, 1, curve.width)
    stem = np.maximum(above, below)
    marked = stem >= MIN_STEM_PX
    if both_sides:
        balanced = marked & (np.minimum(above, below) >= 1)
        longest = np.median(stem[balanced]) + 1 if balanced.any() else 0  # one side may be under the other curve
        marked = balanced | (marked & (stem <= longest))
    at = np.flatnonzero(marked)
    if len(at) == 0:
        return []
    groups = np.split(at, np.flatnonzero(np.diff(at) > 2) + 1)
    return [(cols[g], below[g]) for g in groups if len(g) <= 3 * curve.width + 4]


def _stem(mask: np.ndarray, cols: np.ndarray, first_row: np.ndarray, direction: int, width: float) -> np.ndarray:
    """Length of the run of ink going ``direction`` (-1 up, +1 down) from ``first_row`` in each column;
    it may start up to a line width further (another curve's line covering its root)."""
    rows = first_row[:, None] + direction * np.arange(MAX_STEM_PX)[None, :]
    inside = (rows >= 0) & (rows < mask.shape[0])
    ink = inside & mask[np.clip(rows, 0, mask.shape[0] - 1), cols[:, None]]
    start = np.where(ink.any(axis=1), ink.argmax(axis=1), MAX_STEM_PX)
    clear = np.cumsum(~ink, axis=1)  # constant along a run of ink
    at_start = clear[np.arange(len(cols)), np.minimum(start, MAX_STEM_PX - 1)][:, None]
    length = (clear == at_start).sum(axis=1) - (start > 0)
    return np.where(start <= np.ceil(width), length, 0)
