"""Censor marks (``|`` and ``+``) on a curve: ink of the arm's colour standing above its line.

A drop's vertical line only goes down from the stretch before it; a censor mark's stem rises above
the line. So a column where the arm's ink continues at least MIN_RISE_PX above the top edge of the
line (measured from the level before any drop just to its left) carries a mark. Marks are never read
as drops: the stretches on either side of a mark have the same level (see :mod:`.trace`).
"""

from __future__ import annotations

import numpy as np

from .trace import Curve

MIN_RISE_PX = 2
MAX_RISE_PX = 30


def censor_marks(curve: Curve, mask: np.ndarray) -> np.ndarray:
    """Columns (sub-pixel) of the censor marks drawn on ``curve``."""
    cols = np.arange(curve.first_col, curve.last_col + 1)
    lookback = int(np.ceil(curve.width)) + 2
    reference = np.minimum(curve.level_at(cols), curve.level_at(cols - lookback))
    line_top = np.floor(reference - (curve.width - 1) / 2).astype(int) - 1
    rise = np.zeros(len(cols), int)
    for step in range(MAX_RISE_PX):
        rows = line_top - step
        inked = (rows >= 0) & mask[np.clip(rows, 0, None), cols] & (rise == step)
        rise += inked
    marked = cols[rise >= MIN_RISE_PX]
    if len(marked) == 0:
        return np.array([])
    groups = np.split(marked, np.flatnonzero(np.diff(marked) > 2) + 1)
    return np.array([g.mean() for g in groups if len(g) <= 3 * curve.width + 4])
