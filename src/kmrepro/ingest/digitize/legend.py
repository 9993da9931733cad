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
FAINT = 0.25  # a pixel a quarter covered by an arm's colour is (faint) ink


@dataclass(frozen=True)
class Piece:
    arm: int
    labelling: int  # which labelling of the arm's ink it is a label of
    label: int
    top: int
    bottom: int
    first: int
    last: int


def legend_keys(masks: list[np.ndarray], covers: list[np.ndarray], widths: list[float],
                shared: list[bool]) -> list[np.ndarray]:
    """Per colour, the pixels (bool mask) of its legend keys; empty when no aligned keys are found.
    Pieces are the connected pieces of each colour's faint ink (a quarter covered: so a key whose
    ends JPEG pales is whole, and a thin curve is not cut into key-like stretches where its line
    falls between two pixels), and (for a dashed key, whose dashes are apart) the pieces of its ink
    with gaps of up to four line widths bridged. ``shared``: the colour is two arms' (solid and
    dashed), whose two keys are of the one colour; only bridged pieces count there, or the dashes of
    the dashed curve, all alike and in a row, would pass for keys."""
    found = [np.zeros_like(m, bool) for m in masks]
    pieces, labellings = [], []
    for arm, (mask, cover, width) in enumerate(zip(masks, covers, widths)):
        joined = ndimage.binary_dilation(mask, iterations=max(2, int(np.ceil(2 * width))))
        faint = cover >= FAINT
        for ink, source in ((mask, joined),) if shared[arm] else ((faint, faint), (mask, joined)):
            label = np.where(ink, ndimage.label(source, structure=np.ones((3, 3), bool))[0], 0)
            labellings.append(label)
            pieces += _thin_pieces(label, arm, len(labellings) - 1, width)
    pieces = _not_dashes(pieces, widths)
    for i, a in enumerate(pieces):
        for b in pieces[i + 1:]:
            if (a.arm != b.arm or shared[a.arm]) and _aligned(a, b):
                for p in (a, b):
                    found[p.arm] |= labellings[p.labelling] == p.label
    return found


def _not_dashes(pieces: list[Piece], widths: list[float]) -> list[Piece]:
    """Leave out the dashes of a dashed curve: pieces of one labelling with an alike piece in their row
    a dash gap away. Two dashed curves start together with their dashes in step, stacked like keys;
    a dashed key is one piece where its dashes are bridged."""
    def dash_pair(a: Piece, b: Piece) -> bool:
        gap = max(a.first, b.first) - min(a.last, b.last)
        return (a.labelling == b.labelling and abs(a.top - b.top) <= ALIGN_PX and
                abs((a.last - a.first) - (b.last - b.first)) <= ALIGN_PX and 0 < gap <= 4 * widths[a.arm] + 2)
    return [a for a in pieces if not any(dash_pair(a, b) for b in pieces if b is not a)]


def _thin_pieces(label: np.ndarray, arm: int, labelling: int, width: float) -> list[Piece]:
    """The labelled pieces that could be a key: thin, horizontal, of a key's length."""
    pieces = []
    for k, box in enumerate(ndimage.find_objects(label), start=1):
        if box is None:
            continue
        rows, cols = box
        length = cols.stop - cols.start
        if rows.stop - rows.start <= 2 * width + 3 and MIN_KEY_PX <= length <= MAX_KEY_SHARE * label.shape[1]:
            pieces.append(Piece(arm, labelling, k, rows.start, rows.stop - 1, cols.start, cols.stop - 1))
    return pieces


def _aligned(a: Piece, b: Piece) -> bool:
    """Two keys of one legend: same length, and either stacked (same columns) or side by side (same row)."""
    same_length = abs((a.last - a.first) - (b.last - b.first)) <= ALIGN_PX
    stacked = abs(a.first - b.first) <= ALIGN_PX and (a.bottom < b.top or b.bottom < a.top)
    side_by_side = abs(a.top - b.top) <= ALIGN_PX and (a.last < b.first or b.last < a.first)
    return same_length and (stacked or side_by_side)
