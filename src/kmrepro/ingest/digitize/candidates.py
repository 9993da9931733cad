"""Where a curve may be, column by column: one candidate level per short vertical run of its ink
(a stretch crossing the column, a censor mark centred on it, or the free end of a piece of a
drop's vertical line), of the kinds the path search weighs (:func:`.trace.trace_curve`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .axes import runs
from .marks import _band_across, _cut_stems_centred, _marks_bars, _with_soft_edge, cut_ends
from .strokes import mark_height

BORROWED, MARK, LINE, LINE_END = 0, 1, 2, 3  # kinds of candidate (see Candidates), weighted:
WEIGHTS = np.array([0.3, 0.5, 1.0, 0.5])


@dataclass
class Candidates:
    """Horizontal-stretch crossings: column, sub-pixel row of the line's centre, and what they are
    (LINE: a short run of the curve's ink; MARK: the centre of a mark-high run; LINE_END: the free end
    of a piece of a drop's vertical line; BORROWED: another curve's line)."""

    col: np.ndarray
    level: np.ndarray
    kind: np.ndarray

    def take(self, keep: np.ndarray) -> "Candidates":
        return Candidates(self.col[keep], self.level[keep], self.kind[keep])

    @staticmethod
    def join(parts: list["Candidates"]) -> "Candidates":
        if not parts:
            return Candidates(np.array([], int), np.array([]), np.array([], int))
        return Candidates(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("col", "level", "kind")))


def candidates(mask: np.ndarray, cover: np.ndarray, width: float, under: np.ndarray | None = None,
               band: int = 0, under_band: int = 0) -> Candidates:
    """One candidate per short vertical run of ink: the coverage-weighted centre row of the run.

    A run up to a censor mark's height is a candidate too, of lower weight (MARK): a mark is
    centred on the line, so where marks crowd every column their centres still trace it; a band of
    crowded marks (``band`` px tall, :func:`.strokes.crowded_stem`) may be taller than :func:`.strokes.mark_height`
    says (survminer's ``+`` at 300 dpi: 28 px on a 4 px line). The run down a small drop's vertical
    line is no mark, and its centre no level (half-way down): where other curves hide the drop's
    stretches (a curve drawn under others on a steep fall) only such runs show, and their centres
    drew the curve through mid-drop levels. A run that is a vertical line
    (:func:`_drop_line_pieces`) gives instead the levels its free ends show (LINE_END, of a mark's
    weight): the stretches the drop leaves and reaches, at the corners where they meet it. One with
    no such corner showing keeps its centre.
    ``under``: the other curves' ink, which may cut a mark short or hide a line's end, and
    ``under_band`` the height of their band of crowded marks, if any (:func:`.marks._cut_stems_centred`);
    a mark's bar drawn with a thinner pen than the line is no candidate (:func:`.marks._marks_bars`).
    A curve whose marks crowd under another curve's line has no band of its own to measure (most of
    it hidden), but its marks' stems seen across the other's line are as tall as its band
    (:func:`.marks._band_across`: JFMC33-0502_2B's control at 300 dpi, its last stretch a band of
    marks 28 px tall past the other curve's final drop)."""
    cols, starts, ends = runs(mask.T)
    length = ends - starts
    across = 0 if under is None else _band_across(mask, _with_soft_edge(under))
    band = band or across
    keep = length <= max(mark_height(width), band + 2)
    cols, starts, ends = cols[keep], starts[keep], ends[keep]
    h = mask.shape[0]
    total = np.zeros(len(cols))
    moment = np.zeros(len(cols))
    longest = int((ends - starts).max()) if len(cols) else 0
    for offset in range(-1, longest + 1):  # the run plus one pixel each side (its soft edges)
        rows = starts + offset
        inside = (rows >= 0) & (rows < h) & (rows <= ends)
        weight = np.where(inside, cover[np.clip(rows, 0, h - 1), cols], 0.0)
        total += weight
        moment += weight * rows
    centre = moment / np.maximum(total, 1e-9)
    kind = np.where(ends - starts <= width + 1, LINE, MARK)
    if under is not None:
        centre = _cut_lines_centred(centre, cols, starts, ends, under, width)
    pieces = (kind == MARK) & _drop_line_pieces(mask, under, cols, starts, ends, width)
    level = centre if under is None else \
        _cut_stems_centred(centre, cols, starts, ends, mask, under, width, under_band, pieces, across)
    free_top, free_bottom = _corner_ends(mask, under, cols, starts, ends, width)
    line = pieces & (level == centre) & (free_top | free_bottom)  # a re-centred cut stem is a mark's
    keep = ~line if under is None else ~line & ~_marks_bars(cols, starts, ends, under, width)
    return Candidates.join([Candidates(cols[keep].astype(int), level[keep], kind[keep]),
                            _line_ends(cover, cols[line], starts[line], ends[line], free_top[line],
                                       free_bottom[line], width)])


def _cut_lines_centred(centre, cols, starts, ends, under: np.ndarray, width: float) -> np.ndarray:
    """Runs of a thick line (a third of its width or less) cut short by another curve's ink at one
    end: only the line's edge peeks out beside the other curve, and its centre is half a line width
    from that free edge, not at the edge's pixels (which read the stretch a pixel or more too high or
    low: a curve drawn under others on a steep fall)."""
    cut_top, cut_bottom = cut_ends(under, cols, starts, ends)
    edge = 3 * (ends - starts) <= width
    return np.where(edge & cut_bottom & ~cut_top, starts - 0.5 + width / 2,
                    np.where(edge & cut_top & ~cut_bottom, ends - 0.5 - width / 2, centre))


def _drop_line_pieces(mask: np.ndarray, under: np.ndarray | None, cols, starts, ends, width: float) -> np.ndarray:
    """Per run of ink down a column: is it a piece of a drop's vertical line rather than a censor mark?
    A mark is centred on the curve's line, so at its middle row the line (or the mark's bar) runs on
    across it; a drop's line meets the curve's stretches only at its ends. A run whose middle row holds
    no more of the curve's ink across than a line width and a pixel, with nothing drawn beside that
    on one side (the background: not another curve over it), is a vertical line."""
    w = mask.shape[1]
    middle = (starts + ends - 1) // 2
    first, last = _run_along(mask, middle, cols)
    drawn = mask if under is None else mask | under
    clear_left = (first > 0) & ~drawn[middle, np.maximum(first - 1, 0)]
    clear_right = (last < w) & ~drawn[middle, np.minimum(last, w - 1)]
    return (last - first <= width + 1) & (clear_left | clear_right)


def _corner_ends(mask: np.ndarray, under: np.ndarray | None, cols, starts, ends,
                 width: float) -> tuple[np.ndarray, np.ndarray]:
    """Per run of ink down a column: is its top end the corner where a stretch coming from the left
    turns down, and its bottom end the corner where the line turns right into the next stretch? The
    end shows (not the plot area's edge, nor another curve's ink or its soft edge, a pixel round it,
    the curve going on hidden under it), and along its row the curve's ink goes on, past a line
    width, to that side or under another curve there (its ink or soft edge; a dash's end, or a gap,
    is no corner)."""
    h, w = mask.shape
    hidden = np.zeros(mask.shape, bool) if under is None else ndimage.binary_dilation(under, np.ones((3, 3), bool))
    left, _ = _run_along(mask, starts, cols)
    _, right = _run_along(mask, ends - 1, cols)
    top = (starts > 0) & ~hidden[np.maximum(starts - 1, 0), cols] & \
        ((cols - left >= width + 1) | ((left > 0) & hidden[starts, np.maximum(left - 1, 0)]))
    bottom = (ends < h) & ~hidden[np.minimum(ends, h - 1), cols] & \
        ((right - 1 - cols >= width + 1) | ((right < w) & hidden[ends - 1, np.minimum(right, w - 1)]))
    return top, bottom


def _run_along(mask: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The run of ink along each row of ``rows`` through the inked pixel in ``cols``: its first column
    and one past its last."""
    w = mask.shape[1]
    run_rows, first, last = runs(mask)
    at = np.searchsorted(run_rows * (w + 1) + first, rows * (w + 1) + cols, side="right") - 1
    return first[at], last[at]


def _line_ends(cover: np.ndarray, cols, starts, ends, free_top, free_bottom, width: float) -> Candidates:
    """The levels a piece of a drop's vertical line shows (LINE_END): at a free top end, the stretch
    the drop leaves; at a free bottom end, the one it reaches; each half a line width inside the
    end's edge, read to a fraction of a pixel from the soft pixels there."""
    h = cover.shape[0]
    above, below = np.maximum(starts - 1, 0), np.minimum(ends, h - 1)
    top = starts - 0.5 - cover[above, cols] * (starts > 0) + (1 - cover[starts, cols])
    bottom = ends - 0.5 + cover[below, cols] * (ends < h) - (1 - cover[ends - 1, cols])
    col = np.concatenate([cols[free_top], cols[free_bottom]]).astype(int)
    level = np.concatenate([top[free_top] + width / 2, bottom[free_bottom] - width / 2])
    return Candidates(col, level, np.full(len(col), LINE_END))
