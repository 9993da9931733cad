"""Censor marks that must not be read as the curve: stems cut short by another curve drawn over
them (re-centred), bars drawn with a thinner pen than the line, and the loose arms of ``+`` marks
across a steep fall (erased before tracing). Finding the marks to report is :mod:`.censor`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .axes import runs
from .strokes import _repeats, mark_height

MIN_UNCUT_STEMS = 10  # censor marks' stems seen whole, to tell how long a stem cut short by another curve is
HIDDEN_SHARE = 0.8  # a curve whose runs of ink are cut at one end by others' this often shows only its band's edges
BAR_MIN_COLS = 3  # a censor mark's bar standing off the line is this many columns long or more (a JPEG speck less)


def _marks_bars(cols, starts, ends, under: np.ndarray, width: float) -> np.ndarray:
    """Runs less than half as thick as the line with nothing drawn next to either end, repeated at the
    same rows over BAR_MIN_COLS columns or more: the bar of a ``+`` censor mark drawn with a thinner
    pen than the line (ggplot at 300 dpi), standing off the line where the mark sits at a drop's top
    or foot, not the line. The line itself shows its whole width, or is cut short by another curve
    drawn over it; a speck JPEG frays off the line's edge is a column or two wide."""
    h = under.shape[0]
    thin = 2 * (ends - starts) < width
    near = np.zeros(len(cols), bool)
    for gap in (1, 2):
        near |= under[np.clip(starts - gap, 0, h - 1), cols] | under[np.clip(ends - 1 + gap, 0, h - 1), cols]
    return thin & ~near & (starts >= 2) & (ends + 1 < h) & (_repeats(cols, starts, ends) >= BAR_MIN_COLS)


def cut_ends(under: np.ndarray, cols, starts, ends) -> tuple[np.ndarray, np.ndarray]:
    """Per run of ink down a column (first row ``starts``, one past the last ``ends``): is its top end,
    and its bottom end, against ``under`` (another curve's ink drawn over it, cutting it short)?"""
    h = under.shape[0]
    return (starts > 0) & under[np.maximum(starts - 1, 0), cols], (ends < h) & under[np.minimum(ends, h - 1), cols]


def _cut_stems_centred(level, cols, starts, ends, own: np.ndarray, under: np.ndarray, width: float,
                       under_band: int = 0, drop_lines: np.ndarray | None = None, across: int = 0) -> np.ndarray:
    """Censor marks' stems cut short by another curve drawn over them (dense marks of one curve
    make a band that the other curve covers in part): the centre of what shows is off the line by
    half the hidden part. A stem (a run longer than the line is thick) with one end against the
    other curves' ink and the other end free is as long as this curve's uncut stems (their
    commonest length), so the line is half a stem from its free end, if something crosses it there:
    its own line or bar (``own`` ink running on both sides, longer than two line widths), or the
    other curve's line hiding them (longer than a mark). Where both curves fall together, the other
    curve hides the top of a drop's vertical line alike; nothing crosses the line where a stem's
    centre would be (the levels before and after a drop are on either side of it, at other rows).
    Stems as long as uncut ones, or cut at both ends, keep their centre; so does everything when
    fewer than MIN_UNCUT_STEMS stems show uncut (no length to go by). Runs down drops' vertical
    lines (``drop_lines``, see :func:`.candidates._drop_line_pieces`) are no marks' stems, whatever their length.
    A curve with crowded marks under another's band of crowded marks (``under_band`` px tall) shows
    only where its own band sticks out beside the other: most of its runs (HIDDEN_SHARE) are cut at
    one end, and every such run, however short, is its band's edge; a figure draws every arm's
    marks alike, so its band is as tall as the other's. A curve with crowded marks under another's
    line (not a band of marks: survminer's and ggplot's two crowded arms, the one drawn first) shows
    the same: most of its runs end against the other's ink or the soft pixel the two colours share
    (:func:`_with_soft_edge`), where the other's marks hide its line only the tips of its stems show,
    and its band is as tall as its stems seen across the other's line (``across``, :func:`_band_across`);
    a line hidden there runs under the other's ink or its soft edge."""
    length = ends - starts
    stem = length > width + 1
    cut_top, cut_bottom = cut_ends(under, cols, starts, ends)
    uncut = stem & ~cut_top & ~cut_bottom & (True if drop_lines is None else ~drop_lines)
    over = under  # where this curve's line may run hidden under the others
    soft = _with_soft_edge(under)
    soft_top, soft_bottom = cut_ends(soft, cols, starts, ends)
    if under_band and len(cols) and np.mean(cut_top ^ cut_bottom) >= HIDDEN_SHARE:
        full, stem = under_band, np.ones(len(cols), bool)
    elif across and len(cols) and np.mean(soft_top ^ soft_bottom) >= HIDDEN_SHARE:
        full, stem, cut_top, cut_bottom, over = across, np.ones(len(cols), bool), soft_top, soft_bottom, soft
    elif uncut.sum() < MIN_UNCUT_STEMS:
        return level
    else:
        full = int(np.bincount(length[uncut]).argmax())
    centred = level.copy()
    top = stem & cut_top & ~cut_bottom & (length < full)
    bottom = stem & cut_bottom & ~cut_top & (length < full)
    centred[top] = ends[top] - 1 - (full - 1) / 2
    centred[bottom] = starts[bottom] + (full - 1) / 2
    left, right = _ink_along_row(own, cols, centred)
    crossed = (left >= 1) & (right >= 1) & (left + right + 1 > 2 * width + 2)
    hidden_left, hidden_right = _ink_along_row(over, cols, centred)
    hidden = hidden_left + hidden_right + 1 > mark_height(width)
    return np.where(crossed | hidden, centred, level)


def _with_soft_edge(under: np.ndarray) -> np.ndarray:
    """Another curve's ink and the row of soft pixels above and below it: where two colours meet,
    the pixel they share is neither's, and a run of ink ending there ends against the other curve."""
    near = under.copy()
    near[1:] |= under[:-1]
    near[:-1] |= under[1:]
    return near


def _band_across(own: np.ndarray, over: np.ndarray) -> int:
    """How tall a curve's censor marks are where they crowd under another curve's line: a stem
    crossing the other curve shows above and below it (two runs of the column with nothing between
    but ``over``, the other curves' ink and its soft edges), and spans from the first run's top to the
    second's bottom. The commonest such span, if MIN_UNCUT_STEMS columns or more show one; else 0."""
    cols, starts, ends = runs(own.T)
    hidden = np.pad(np.cumsum(over, axis=0), ((1, 0), (0, 0)))
    same = cols[1:] == cols[:-1]
    gap = starts[1:] - ends[:-1]
    across = same & (hidden[starts[1:], cols[1:]] - hidden[ends[:-1], cols[1:]] == gap)
    spans = (ends[1:] - starts[:-1])[across]
    if len(spans) < MIN_UNCUT_STEMS:
        return 0
    return int(np.bincount(spans).argmax())


def _ink_along_row(ink: np.ndarray, cols: np.ndarray, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How far the ink runs unbroken along the row of ``level`` left and right of each column (pixels
    beside it; -1 both where the column itself has none there), the most of the two rows round it."""
    h, w = ink.shape
    index = np.arange(w)
    left, right = np.full(len(cols), -1), np.full(len(cols), -1)
    for row in (np.floor(level), np.ceil(level)):
        rows, r = np.unique(np.clip(row.astype(int), 0, h - 1), return_inverse=True)
        along = ink[rows]
        last_clear = np.maximum.accumulate(np.where(along, -1, index), axis=1)  # at or left of each pixel
        first_clear = np.minimum.accumulate(np.where(along, w, index)[:, ::-1], axis=1)[:, ::-1]
        inked = along[r, cols]
        left_here = np.where(inked, cols - last_clear[r, cols] - 1, -1)
        right_here = np.where(inked, first_clear[r, cols] - cols - 1, -1)
        better = left_here + right_here > left + right
        left, right = np.where(better, left_here, left), np.where(better, right_here, right)
    return left, right


def loose_arms(mask: np.ndarray, width: float, beside: np.ndarray | None = None) -> np.ndarray:
    """The pixels of the arms of ``+`` censor marks standing off the curve where it falls steeply
    through them. Such a mark's bar is a short run of ink along a row (no longer than a mark),
    crossed by ink running on above and below it (the falling line), and loose at both ends: nothing
    of the arm's colour left of or above its left end, right of or below its right end, and nothing
    leaving its right arm downwards. A stretch is entered from above or from the left and left
    downwards or to the right, so it is never loose at both ends. Both arms and their soft edges (the
    pixels beside them, their ends' too, under half covered) are erased; the crossing line stays. A mark with one end on
    the curve (its bar run into the falling line) has its other arm erased if that one is loose and
    the fall runs on from the bar on its side (:func:`_falls_from`): the right arm when it runs on
    down (a mark at the top of a steep fall), the left one when it comes down into the bar. The arm
    beyond the falling line is the mark's, whichever of the crossing pixels are the curve's (less a
    line width beside the line, where the curve may run on along the bar between two drops), unless
    another curve's ink touches that arm (``beside``): the stretch may go on under it. A mark on a
    stretch is left alone; so is one with the curve leaving its right arm downwards (a stretch along
    the bar), but for a loose left arm where the fall comes down the crossing line into the bar and
    no other curve touches the mark (on a steep staircase the fall goes on along the bar and down)."""
    ink = int(np.ceil(width))
    reach = ink + 1  # a line width and a soft pixel round each end
    h = mask.shape[0]
    rows, a, b = runs(mask)
    # a bar with one end on the curve runs on into the curve's line (a line width and its soft edges)
    keep = (b - a >= 3) & (b - a <= mark_height(width) + 2 * reach) & (rows >= reach) & (rows + reach < h)
    rows, a, b = rows[keep], a[keep], b[keep]
    # columns inked all the way from ``reach`` above a row to ``reach`` below it: a line crossing it
    through = ndimage.binary_erosion(mask, np.ones((2 * reach + 1, 1), bool), border_value=0)
    crossed = np.cumsum(np.pad(through, ((0, 0), (1, 0))), axis=1)
    crossed = crossed[rows, b - 1] > crossed[rows, a + 1]
    inked = _any_in(mask)
    left = ~inked(rows - reach, rows + reach + 1, a - reach, a) & ~inked(rows - reach, rows, a, a + ink + 1)
    right = ~inked(rows - reach, rows + reach + 1, b, b + reach) & ~inked(rows + 1, rows + reach + 1, b - ink - 1, b)
    both = left & right & (b - a <= mark_height(width))
    up, down = np.zeros(len(rows), bool), np.zeros(len(rows), bool)
    for k in np.flatnonzero(crossed & (left | right) & ~both):
        up[k], down[k] = _falls_from(mask, rows[k], a[k], b[k], width)
    left, right = crossed & left & (both | up), crossed & right & (both | down)
    loose = left | right
    arms = np.zeros(mask.shape, bool)
    near = np.zeros(mask.shape, bool) if beside is None else beside
    for y, first, last, free_left, free_right, free_both in zip(rows[loose], a[loose], b[loose], left[loose],
                                                                right[loose], both[loose]):
        crossing = first + 1 + np.flatnonzero(through[y, first + 1:last - 1])
        beyond = min(crossing[-1] + ink + 1, last)  # past the crossing line and its soft edge
        before = max(crossing[0] - ink, first)  # short of the crossing line and its soft edge
        around = near[max(y - reach, 0):y + reach + 1]  # another curve touching an arm: it may go on under it
        if mask[y + 1:y + reach + 1, beyond:last].any():  # the curve leaves the right arm down: a stretch,
            # but a loose left arm is the mark's where the fall comes down the crossing line into the bar
            falls_in = _falls_from(mask, y, crossing[0], crossing[-1] + 1, width)[0]
            touched = around[:, max(first - reach, 0):last + reach].any()
            arms[y, first:before] = free_left and falls_in and not touched
            continue
        if free_both:
            arms[y, first:crossing[0]] = arms[y, crossing[-1] + 1:last] = True
            continue
        # one end on the curve: a line width beside the crossing is kept, where the curve may run on
        # along the bar (a short stretch between two drops with the mark on it)
        arms[y, first:before] = free_left and not around[:, max(first - reach, 0):before].any()
        arms[y, beyond:last] = free_right and not around[:, beyond:last + reach].any()
    soft = ndimage.binary_dilation(arms)  # the pixels beside the arms, their ends' included
    return arms | (soft & ~mask)


def _any_in(mask: np.ndarray):
    """A function of row and column bounds (arrays): is any pixel of ``mask`` in rows [top, bottom) and
    columns [left, right)? Summed-area table."""
    h, w = mask.shape
    summed = np.pad(mask, ((1, 0), (1, 0))).cumsum(axis=0).cumsum(axis=1)

    def inked(top, bottom, left, right):
        top, bottom = np.clip(top, 0, h), np.clip(bottom, 0, h)
        left, right = np.clip(left, 0, w), np.clip(right, 0, w)
        return summed[bottom, right] - summed[top, right] - summed[bottom, left] + summed[top, left] > 0
    return inked


def _falls_from(mask: np.ndarray, row: int, first: int, last: int, width: float) -> tuple[bool, bool]:
    """Does ink run on up from a bar (row ``row``, columns [first, last)), and down from it, unbroken
    within a line width either side (a steep fall is diagonal), further than half a censor mark? A
    falling line through or from the bar does; a mark's own stem does not."""
    reach, half = int(np.ceil(width)), int(np.ceil(mark_height(width) / 2))
    window = mask[:, max(first - reach, 0):last + reach]
    inked = ndimage.binary_dilation(window, np.ones((1, 2 * reach + 1), bool))[:, first - max(first - reach, 0):]
    inked = inked[:, :last - first]
    above, below = inked[:row + 1][::-1], inked[row:]
    up = np.where(above.all(axis=0), above.shape[0], np.argmin(above, axis=0))  # rows inked from the bar up
    down = np.where(below.all(axis=0), below.shape[0], np.argmin(below, axis=0))
    on = inked[row]
    return bool((on & (up > half + 1)).any()), bool((on & (down > half + 1)).any())
