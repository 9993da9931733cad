"""The curve's end: when its last observation is an event, a KM curve ends with a drop to zero that no
stretch follows; it hangs from the last stretch (or from a vertical line read as one) and is read
down to where its ink ends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .candidates import LINE_END, MARK
from .colours import MIN_COVERAGE
from .drops import NEW_LEVEL_PX, _line_cols, _vertical_centre
from .strokes import dash_gap, mark_height

if TYPE_CHECKING:
    from .trace import Curve

FINAL_DROP_MIN_PX = 3  # ink hanging this far below the curve's last stretch is its final drop


def _with_final_drop(curve: Curve, cover, cols: np.ndarray, kinds: np.ndarray) -> Curve:
    """The curve ending with its final drop (:func:`_final_drop`), if one hangs from its last stretch, or
    from the one before when the last is the drop's own vertical line read as a mark's centre (``cols``,
    ``kinds``: the path's candidates) and lies on the drop's line, within half a line width and a pixel
    of its centre (a drop shorter than a thick line is a block of ink, its columns' centres read at its
    edge). When the last two stretches are such vertical lines (two final steps a few px apart on a
    thin line, the stretch between too faint to read), a drop to the first one's foot, a stretch
    there, and the final drop from it. The curve as read kept beside it. A stray end of the last
    stretch (:func:`_without_stray_end`) is left out if the final drop hangs before it."""
    cut = _without_stray_end(curve, cover, cols)
    if cut is not None:
        ended = _with_final_drop(cut, cover, cols, kinds)
        if ended.ends_in_drop:
            return replace(ended, as_read=curve)
    segments, drops, width, gap = curve.segments, curve.drops, curve.width, curve.gap
    stubs, final, steps = _trailing_stubs(segments, cols, kinds, width), None, []
    if stubs:
        final = _final_drop(cover, segments[-2][1], segments[-2][2], width, gap)
        if _on_line(final, segments[-1], width):
            segments = segments[:-1]
        else:
            # two final steps a few px apart on a thin line: the first read as a stub too, or as a drop
            # into the second's line (read as a stub); the final drop hangs from the first step's foot
            step, parts = None, 0
            if stubs == 2 and len(segments) > 2:
                step, parts = _final_drop(cover, segments[-3][1], segments[-3][2], width, gap), 2
                step = step if _on_line(step, segments[-2], width) else None
            elif len(drops) > 1 and abs(drops[-1][2] - segments[-1][2]) < NEW_LEVEL_PX and \
                    drops[-2][0] >= segments[-2][1] - width:
                step, parts = drops[-2], 1
            final = None if step is None else _final_drop(cover, int(np.ceil(step[0])), step[2], width, gap, step[0])
            if _on_line(final, segments[-1], width):
                segments, steps = segments[:-parts], [step]
            else:
                final = None
    if final is None:
        final = _final_drop(cover, curve.last_col, curve.segments[-1][2], width, gap,
                            curve.drops[-1][0] if curve.drops else None)
        segments = curve.segments
    else:
        level = segments[-1][2]  # drops down to the stubs' ends at the stretch before
        drops = [(col, before, min(after, level)) for col, before, after in drops if before < level - NEW_LEVEL_PX]
        drops += steps
        segments = segments + [(int(np.ceil(s[0])), int(np.floor(final[0])), s[2]) for s in steps]
    if final is None:
        return curve
    # a last step a few px before the final drop, its stretch too short to read: the drop hangs from its foot
    further = _final_drop(cover, int(np.ceil(final[0])), final[2], width, gap, final[0])
    if further is not None:
        segments = segments + [(int(np.ceil(final[0])), int(np.floor(further[0])), final[2])]
        drops, final = drops + [final], further
    return replace(curve, segments=segments, drops=drops + [final],
                   last_col=max(curve.last_col, int(np.ceil(final[0]))), as_read=curve)


def _without_stray_end(curve: Curve, cover, cols: np.ndarray) -> Curve | None:
    """The curve without the last columns of its last stretch (``cols``: the path's) where a gap longer
    than a dash gap parts them from the rest and its ink before them already came down below the
    stretch, by more than half a censor mark and a line width: a curve never rises, so they are not
    its line (another curve's ink taking this one's colour at its end, as JPEG does). None if not so."""
    first, last, level = curve.segments[-1]
    on = cols[(cols >= first) & (cols <= last)]
    parts = np.flatnonzero(np.diff(on) > dash_gap(curve.width))
    if not len(parts):
        return None
    end, start = int(on[parts[-1]]), int(on[parts[-1] + 1])
    rows = np.flatnonzero((cover[:, :start] >= MIN_COVERAGE).any(axis=1))
    if not len(rows) or rows[-1] <= level + mark_height(curve.width) / 2 + curve.width:
        return None
    return replace(curve, segments=curve.segments[:-1] + [(first, end, level)], last_col=end)


def _trailing_stubs(segments: list[tuple[int, int, float]], cols: np.ndarray, kinds: np.ndarray, width: float) -> int:
    """How many of the last stretches (at most two, a stretch left before them) are vertical lines read
    as marks' centres (:func:`_vertical_stub`); ``cols``, ``kinds``: the path's candidates."""
    count = 0
    while count < min(2, len(segments) - 1):
        first, last, _ = segment = segments[-1 - count]
        if not _vertical_stub(segment, kinds[(cols >= first) & (cols <= last)], width):
            break
        count += 1
    return count


def _on_line(drop: tuple[float, float, float] | None, stub: tuple[int, int, float], width: float) -> bool:
    """Is the stretch ``stub`` on the drop's vertical line, within half a line width and a pixel of its centre?"""
    on_line = width / 2 + 1
    return drop is not None and stub[0] - on_line <= drop[0] <= stub[1] + on_line


def _line_top(mask: np.ndarray, cols: range, level: float) -> int:
    """The top row of the line as drawn: the median over ``cols`` of the first row of the run of ink
    through ``level`` (a mark in a column or two does not move it; the width read may be off)."""
    row = int(round(level))
    tops = [_run_top(mask[:, col], row) for col in cols if mask[row, col]]
    return int(np.median(tops)) if tops else row


def _run_top(inked: np.ndarray, row: int) -> int:
    """The first row of the unbroken run of ink through ``row`` of a column."""
    clear = np.flatnonzero(~inked[:row])
    return int(clear[-1]) + 1 if len(clear) else 0


def _vertical_stub(segment: tuple[int, int, float], kinds: np.ndarray, width: float) -> bool:
    """Is this stretch only the centres of mark-high runs (or a vertical line's ends), over no more
    columns than a vertical line covers? A vertical line shorter than a censor mark gives such
    candidates; a mark on the line would be at the line's level, in its stretch."""
    first, last, _ = segment
    return bool(len(kinds)) and bool(np.isin(kinds, (MARK, LINE_END)).all()) and last - first + 1 <= 2 * np.ceil(width) + 3


def _final_drop(cover, end_col: int, level: float, width: float, gap: int = 0,
                after: float | None = None) -> tuple[float, float, float] | None:
    """The drop that ends the curve after its last stretch (at ``level``, last read at ``end_col``):
    the first column, going right along the line while its ink goes on (faint ink too: a thin line
    between two rows may be under half covered in both), with ink hanging at least
    FINAL_DROP_MIN_PX below the line (across other curves' lines) and none rising above it within a
    line width (a censor mark's stem does, anti-aliased to either side of its foot). Read like
    the drops between stretches: at its vertical line's centre, down to where its ink ends less half
    a line width; to past the bottom row if the ink runs into it (cut by the plot area's edge).
    A dashed line's drop (``gap``: the longest gap between its dashes) may begin, and go on, after
    such a gap. ``after``: the column of the drop the line comes down at (its vertical line rises above
    the line, and is no mark's stem where the final drop follows a few px after it: two last steps a
    few px apart). None where the line just ends (the last observation censored)."""
    mask = cover >= MIN_COVERAGE
    h, w = mask.shape
    half = (width - 1) / 2
    line = slice(max(int(np.floor(level - half)) - 1, 0), int(np.ceil(level + half)) + 2)
    first = int(np.ceil(level + half)) + 1  # the first row under the line
    reach = int(np.ceil(width)) + 1  # a mark's stem may rise beside the column its foot hangs from
    if first + FINAL_DROP_MIN_PX >= h:
        return None
    above = _line_top(mask, range(max(end_col - 3 * reach, 0), end_col + 1), level) - 1  # the first row over it
    clear = 0 if after is None else int(np.floor(after + width / 2)) + 1  # right of that drop's line
    line_seen = end_col  # the last column the line's ink was seen in
    for col in range(max(end_col - int(np.ceil(width)), 0), w):
        if cover[line, col].sum() >= MIN_COVERAGE:
            line_seen = max(line_seen, col)
        in_gap = max(col - line_seen, 0)  # a dashed line's corner may be in a gap: part along the line, part down
        length = _hanging(mask[first:, col], width, gap, gap - in_gap)
        stem = above >= 0 and mask[max(above - 2, 0):above + 1, max(col - reach, clear, 0):col + reach + 1].any()
        if length >= FINAL_DROP_MIN_PX and not stem and (mask[line, col].any() or 0 < in_gap <= gap):
            # the line's first column may be its soft edge, ending a pixel or two short: its deepest column
            length = max(_hanging(mask[first:, c], width, gap, gap - in_gap)
                         for c in range(col, min(col + int(np.ceil(width)) + 1, w)))
            bottom = first + length - 1
            low = float(h) if bottom == h - 1 else bottom - half
            where = _vertical_centre(cover, _line_cols(col, width), level, low, width, col + half)
            return where, level, low
        if col > end_col and in_gap >= gap and cover[line, col].sum() < MIN_COVERAGE:
            return None  # the line has ended without a drop
    return None


def _hanging(below: np.ndarray, width: float, gap: int, start: int) -> int:
    """How many rows of a column's ink (``below``: from the first row under a curve's line) hang from the
    line: an unbroken run beginning within ``start`` rows, gaps as wide as a line crossing it (or a
    dashed line's ``gap``) bridged; 0 if none begins there."""
    ink = np.flatnonzero(below)
    if not len(ink) or ink[0] > start:
        return 0
    gaps = np.flatnonzero(np.diff(ink) > max(2 * width + 2, gap))
    return int(ink[gaps[0] if len(gaps) else -1]) + 1
