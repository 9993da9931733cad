"""Legend keys: the short line sample a legend draws for each arm, found by how legends lay them out.

A legend draws one key per arm, all of one length, stacked in a column (same first and last column)
or in a row (same row). A key is a thin horizontal piece of the arm's ink on its own. Curves never
look like that: two arms' separate pieces of ink do not share both ends by chance. Keys found this
way are removed from the arms' ink before tracing, whatever the renderer, so a key to the right of
a curve's end (where a legend usually sits) is not read as the curve going on, and the curve's own
pieces beyond a legend can be kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

MIN_KEY_PX = 6  # a key is at least this long
MAX_KEY_SHARE = 0.25  # and at most this share of the plot width
ALIGN_PX = 2  # keys of one legend line up to this many pixels


@dataclass(frozen=True)
class Piece:
    arm: int
    label: int
    top: int
    bottom: int
    first: int
    last: int


def legend_keys(masks: list[np.ndarray], widths: list[float]) -> list[np.ndarray]:
    """Per arm, the pixels (bool mask) of its legend key; empty when no aligned keys are found."""
    found = [np.zeros_like(m, bool) for m in masks]
    pieces, labels = [], []
    for arm, (mask, width) in enumerate(zip(masks, widths)):
        label, _ = ndimage.label(mask, structure=np.ones((3, 3), bool))
        labels.append(label)
        for k, box in enumerate(ndimage.find_objects(label), start=1):
            rows, cols = box
            length = cols.stop - cols.start
            if rows.stop - rows.start <= 2 * width + 3 and MIN_KEY_PX <= length <= MAX_KEY_SHARE * mask.shape[1]:
                pieces.append(Piece(arm, k, rows.start, rows.stop - 1, cols.start, cols.stop - 1))
    for a in pieces:
        for b in pieces:
            if a.arm < b.arm and _aligned(a, b):
                for p in (a, b):
                    found[p.arm] |= labels[p.arm] == p.label
    return found


def _aligned(a: Piece, b: Piece) -> bool:
    """Two keys of one legend: same length, and either stacked (same columns) or side by side (same row)."""
    same_length = abs((a.last - a.first) - (b.last - b.first)) <= ALIGN_PX
    stacked = abs(a.first - b.first) <= ALIGN_PX and (a.bottom < b.top or b.bottom < a.top)
    side_by_side = abs(a.top - b.top) <= ALIGN_PX and (a.last < b.first or b.last < a.first)
    return same_length and (stacked or side_by_side)
