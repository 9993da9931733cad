"""Reading one curve out of its ink mask: horizontal stretches, the monotone path, and the drops.

A KM curve is a staircase. In a column crossed by a horizontal stretch the arm's ink is a short run
(about one line width); its coverage-weighted centre places the stretch to a fraction of a pixel.
Vertical parts (drops, the stems of ``|`` and ``+`` censor marks) give long runs and no candidate;
a drop's vertical line shorter than a mark, or a piece of one showing between curves drawn over this
one, gives the levels of its free ends instead (the stretches the drop leaves and reaches).
The curve is the heaviest path through the candidates whose level never rises (a weighted longest
non-decreasing subsequence, O(n log n)): legends, text and annotations in the arm's colour cannot be
on it without giving up more of the curve. Where another curve is drawn over this one (this curve's
ink stops where it touches the other), the other curve's candidates stand in, with a lower weight,
so the hidden stretch comes out at the level of the curve hiding it; where something else cuts the
curve (a legend), nothing stands in and the gap is bridged as a step function, never a rise. Drops
are then read between consecutive stretches, column by column, so a run of drops too close to
resolve is read step by step rather than as one drop, or, closer than a line width, along the
drift of their line. On a steep fall the short runs between the drops look like stretches a column
or two wide; where the ink runs on unbroken through them the fall is read as one gap; where another
curve hides parts of it, each is a step between the drops left and right of it. The arms of
``+`` marks across a steep fall look like stretches too, loose at their ends: they are erased first.
After the last stretch, a vertical line hanging from it is the curve's final drop (its last
observation an event), read down to where its ink ends (:func:`_final_drop`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from .axes import runs
from .colours import MIN_COVERAGE

BORROWED, MARK, LINE, LINE_END = 0, 1, 2, 3  # kinds of candidate (see Candidates), weighted:
WEIGHTS = np.array([0.3, 0.5, 1.0, 0.5])
MARK_RUNS, MARK_EXTRA_PX = 4, 10  # a censor mark is at most this high: MARK_RUNS * width + MARK_EXTRA_PX
RISE_TOLERANCE_PX = 1  # levels may wobble up by this much (anti-aliasing, JPEG) along a stretch
NEW_LEVEL_PX = 0.8  # a stretch this much lower than the last one follows a drop
FLAT_MIN_COLS = 8  # a flat stretch of line is at least this many columns long,
FLAT_STROKES = 3  # and this many thinnest strokes long; the line is thinner than this many thinnest strokes
FINAL_DROP_MIN_PX = 3  # ink hanging this far below the curve's last stretch is its final drop
MIN_UNCUT_STEMS = 10  # censor marks' stems seen whole, to tell how long a stem cut short by another curve is
SAME_PX = 1e-6  # positions this close (px) are the same: centres weighted by coverage carry rounding noise
CROWDED_SHARE = 0.5  # marks crowd a curve when its commonest stem shows in this share of its columns
HIDDEN_SHARE = 0.8  # a curve whose runs of ink are cut at one end by others' this often shows only its band's edges
CORNER_BLOB_PX = 0.5  # a mark-high run's centre this close to a corner's level is the corner's ink (see _shows_corner)
BAR_MIN_COLS = 3  # a censor mark's bar standing off the line is this many columns long or more (a JPEG speck less)


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


@dataclass
class Curve:
    """A curve in plot-area pixels: stretches (first col, last col, level) in order, and the drops."""

    segments: list[tuple[int, int, float]]
    drops: list[tuple[float, float, float]]  # (column, level before, level after)
    first_col: int
    last_col: int
    own_cols: int  # columns where the curve's own ink was read
    borrowed: list[tuple[int, int]]  # (first, last) column of stretches read from another curve
    width: float
    as_read: "Curve | None" = None  # the curve without its final drop, if it ends in one (no stretch follows it)
    gap: int = 0  # the longest gap between its dashes (0 for a solid line)

    @property
    def ends_in_drop(self) -> bool:
        return self.as_read is not None

    def ending_at(self, zero: float | None, bottom: int) -> "Curve":
        """The curve with its final drop (if any) ending at ``zero`` (the zero level's row; None if the
        y axis does not start at 0): a KM curve that ends in an event ends at zero. A final drop ending
        within half a line width and a pixel of it (a flat or a square line cap; a dashed line's within a
        gap between its dashes, where its last dash may end), or running out of the plot area (last row
        ``bottom``), is put there; one ending elsewhere is left out, the curve taken
        as read (it was the foot of a censor mark whose stem is hidden above the line, under another curve)."""
        if not self.ends_in_drop:
            return self
        where, before, after = self.drops[-1]
        if after > bottom or (zero is not None and abs(after - zero) <= max(self.width / 2 + 1, self.gap)):
            return replace(self, drops=self.drops[:-1] + [(where, before, bottom if zero is None else zero)])
        return self.as_read

    def level_at(self, cols: np.ndarray) -> np.ndarray:
        """The curve's level (row) at each column: the stretch in force there."""
        levels = np.array([self.segments[0][2]] + [d[2] for d in self.drops])
        drop_cols = np.array([d[0] for d in self.drops], float)
        return levels[np.searchsorted(drop_cols, np.asarray(cols, float), side="right")]

    def ink_share(self, mask: np.ndarray, longest_gap: int) -> float:
        """Share of the curve's columns with ink at its level: about 1 for a solid line, less for a
        dashed one (the gaps between dashes). Gaps longer than ``longest_gap`` (the curve hidden
        under another or under a legend) are left out."""
        cols = np.arange(self.first_col, self.last_col + 1)
        reach = int(np.ceil(self.width / 2)) + 1
        rows = np.round(self.level_at(cols)).astype(int)[:, None] + np.arange(-reach, reach + 1)
        inked = mask[np.clip(rows, 0, mask.shape[0] - 1), cols[:, None]].any(axis=1)
        hidden = [(a, b) for a, b in _runs_of(np.flatnonzero(~inked), 1, 0) if b - a + 1 > longest_gap]
        counted = np.ones(len(cols), bool)
        for a, b in hidden:
            counted[a:b + 1] = False
        return float(inked[counted].mean()) if counted.any() else 0.0

    def pixels(self, shape: tuple[int, int]) -> np.ndarray:
        """The pixels the curve's line covers (one line width plus a pixel), to tell it from other ink."""
        covered = np.zeros(shape, bool)
        reach = int(np.ceil(self.width / 2)) + 1
        cols = np.arange(self.first_col, self.last_col + 1)
        for col, level in zip(cols, self.level_at(cols)):
            covered[max(int(level) - reach, 0):int(level) + reach + 1, col] = True
        for col, before, after in self.drops:
            c = int(round(col))
            covered[max(int(before) - reach, 0):int(after) + reach + 1, max(c - reach, 0):c + reach + 1] = True
        return covered


def dash_gap(width: float) -> int:
    """The longest gap between the dashes of a dashed line of this width (px), where the pattern runs
    on round a step's corner: part of the gap along the stretch, part down the drop."""
    return int(np.ceil(3 * width + 5))


def mark_height(width: float) -> float:
    """The tallest a censor mark on a line of this width is drawn (px)."""
    return MARK_RUNS * width + MARK_EXTRA_PX


def crowded_stem(mask: np.ndarray, width: float) -> int:
    """How tall the arm's censor marks are where they crowd its line (a mark in most columns, every
    one as tall: a band of marks, the commonest run of ink down the columns); 0 when they do not.
    Drops are each a line width wide and of many heights, never the same run over most of the curve."""
    inked = np.flatnonzero(mask.any(axis=0))
    if len(inked) == 0:
        return 0
    lengths = _column_run_lengths(mask)
    stem = _stem_length(lengths, width)
    crowded = np.sum(np.abs(lengths - stem) <= 1) >= CROWDED_SHARE * (inked[-1] - inked[0] + 1)
    return stem if crowded else 0


def thinnest_stroke(mask: np.ndarray) -> float:
    """The commonest length of the short runs of ink down the columns (horizontal stretches) or along
    the rows (drops, censor-mark stems, glyphs' strokes), whichever is thinner."""
    modes = []
    for m in (mask.T, mask):
        _, starts, ends = runs(m)
        lengths = ends - starts
        short = lengths[lengths <= 8]
        if len(short):
            modes.append(int(np.bincount(short).argmax()))
    return float(min(modes)) if modes else 1.0


def line_width(mask: np.ndarray) -> float:
    """The thickness of the arm's curve (its ink with no glyphs left). Marks may be drawn with a
    thinner pen than the line (ggplot's ``+`` at 300 dpi: 4 px stems on a 9 px line), so where the
    curve runs flat (the same run of ink down more columns than a mark's stroke is wide) the
    commonest such run is the line's thickness; flat runs FLAT_STROKES or more times as thick as the
    thinnest stroke are blocks of crowded marks (as tall as a mark), not the line. When every flat
    run is that thick and the marks' stems are three times as long as the thinnest of them, that one
    is the line, drawn with a much thicker pen than its marks (ggplot's 1 px ``|`` glyphs on a 4-5 px
    line at 300 dpi), and blocks three times as thick as it are marks. JPEG frays a line's edges into
    1 px specks, a 1 px thinnest stroke on a 3-4 px line: with no flat run thin enough for a 1 px
    stroke, the thinnest stroke is taken as 2 px. Without flat stretches (a curve all drops or all
    crowded marks) it is the thinnest stroke."""
    thinnest = thinnest_stroke(mask)
    flat = _flat_runs(mask, min_cols=max(FLAT_MIN_COLS, int(FLAT_STROKES * thinnest)))
    flat = flat[flat >= thinnest]
    if len(flat) and flat.min() >= FLAT_STROKES * thinnest and \
            _stem_length(_column_run_lengths(mask), int(flat.min())) >= FLAT_STROKES * flat.min():
        thinnest = float(flat.min())
    for pen in (thinnest, 2.0) if thinnest <= 1 else (thinnest,):
        line = flat[flat < FLAT_STROKES * pen]
        if len(line):
            return float(np.bincount(line).argmax())
    return thinnest


def _column_run_lengths(mask: np.ndarray) -> np.ndarray:
    """The length of every run of ink down the columns."""
    _, starts, ends = runs(mask.T)
    return ends - starts


def _stem_length(lengths: np.ndarray, line: float) -> int:
    """The commonest of the runs of ink down the columns (their ``lengths``) longer than a ``line``
    thick line: where marks cross the line, their stems' length (0 if there is none)."""
    longer = lengths[lengths > line + 1]
    return int(np.bincount(longer).argmax()) if len(longer) else 0


def _flat_runs(mask: np.ndarray, min_cols: int) -> np.ndarray:
    """Thickness, one per column, of the flat stretches: a run of ink down the columns that repeats
    (same first and last row) over at least ``min_cols`` consecutive columns."""
    cols, starts, ends = runs(mask.T)
    return (ends - starts)[_repeats(cols, starts, ends) >= min_cols]


def _repeats(cols, starts, ends) -> np.ndarray:
    """For each run of ink down a column, over how many consecutive columns the same run (same first
    and last row) repeats."""
    order = np.lexsort((cols, ends, starts))
    c, a, b = cols[order], starts[order], ends[order]
    new = np.r_[True, (np.diff(c) != 1) | (np.diff(a) != 0) | (np.diff(b) != 0)]
    group = np.cumsum(new) - 1
    count = np.empty(len(cols), int)
    count[order] = np.bincount(group)[group]
    return count


def candidates(mask: np.ndarray, cover: np.ndarray, width: float, under: np.ndarray | None = None,
               band: int = 0, under_band: int = 0) -> Candidates:
    """One candidate per short vertical run of ink: the coverage-weighted centre row of the run.

    A run up to a censor mark's height is a candidate too, of lower weight (MARK): a mark is
    centred on the line, so where marks crowd every column their centres still trace it; a band of
    crowded marks (``band`` px tall, :func:`crowded_stem`) may be taller than :func:`mark_height`
    says (survminer's ``+`` at 300 dpi: 28 px on a 4 px line). The run down a small drop's vertical
    line is no mark, and its centre no level (half-way down): where other curves hide the drop's
    stretches (a curve drawn under others on a steep fall) only such runs show, and their centres
    drew the curve through mid-drop levels. A run that is a vertical line
    (:func:`_drop_line_pieces`) gives instead the levels its free ends show (LINE_END, of a mark's
    weight): the stretches the drop leaves and reaches, at the corners where they meet it. One with
    no such corner showing keeps its centre.
    ``under``: the other curves' ink, which may cut a mark short or hide a line's end, and
    ``under_band`` the height of their band of crowded marks, if any (:func:`_cut_stems_centred`);
    a mark's bar drawn with a thinner pen than the line is no candidate (:func:`_marks_bars`)."""
    cols, starts, ends = runs(mask.T)
    length = ends - starts
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
        _cut_stems_centred(centre, cols, starts, ends, mask, under, width, under_band, pieces)
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
    h = under.shape[0]
    cut_top = (starts > 0) & under[np.maximum(starts - 1, 0), cols]
    cut_bottom = (ends < h) & under[np.minimum(ends, h - 1), cols]
    edge = 3 * (ends - starts) <= width
    return np.where(edge & cut_bottom & ~cut_top, starts - 0.5 + width / 2,
                    np.where(edge & cut_top & ~cut_bottom, ends - 0.5 - width / 2, centre))


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


def _cut_stems_centred(level, cols, starts, ends, own: np.ndarray, under: np.ndarray, width: float,
                       under_band: int = 0, drop_lines: np.ndarray | None = None) -> np.ndarray:
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
    lines (``drop_lines``, see :func:`_drop_line_pieces`) are no marks' stems, whatever their length.
    A curve with crowded marks under another's band of crowded marks (``under_band`` px tall) shows
    only where its own band sticks out beside the other: most of its runs (HIDDEN_SHARE) are cut at
    one end, and every such run, however short, is its band's edge; a figure draws every arm's
    marks alike, so its band is as tall as the other's."""
    h = under.shape[0]
    length = ends - starts
    stem = length > width + 1
    cut_top = under[np.clip(starts - 1, 0, h - 1), cols] & (starts > 0)
    cut_bottom = under[np.clip(ends, 0, h - 1), cols] & (ends < h)
    uncut = stem & ~cut_top & ~cut_bottom & (True if drop_lines is None else ~drop_lines)
    if under_band and len(cols) and np.mean(cut_top ^ cut_bottom) >= HIDDEN_SHARE:
        full, stem = under_band, np.ones(len(cols), bool)
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
    hidden_left, hidden_right = _ink_along_row(under, cols, centred)
    hidden = hidden_left + hidden_right + 1 > mark_height(width)
    return np.where(crossed | hidden, centred, level)


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


def heaviest_monotone_path(cands: Candidates, weights: np.ndarray) -> np.ndarray:
    """Indices (in column order) of the heaviest path that takes at most one candidate per column and
    whose level never rises by more than RISE_TOLERANCE_PX. Fenwick tree of prefix maxima over rows."""
    n = len(cands.col)
    if n == 0:
        return np.array([], int)
    order = np.lexsort((cands.level, cands.col))
    rows = np.round(cands.level).astype(int) - int(np.floor(cands.level.min())) + 1
    size = int(rows.max()) + RISE_TOLERANCE_PX + 1
    tree_score = np.full(size + 1, -np.inf)
    tree_id = np.full(size + 1, -1)
    score = np.zeros(n)
    back = np.full(n, -1)
    i = 0
    while i < n:
        j = i
        while j < n and cands.col[order[j]] == cands.col[order[i]]:
            j += 1
        for k in order[i:j]:  # query before this column's updates: one candidate per column
            pos, best, best_id = min(rows[k] + RISE_TOLERANCE_PX, size), 0.0, -1
            while pos > 0:
                if tree_score[pos] > best:
                    best, best_id = tree_score[pos], tree_id[pos]
                pos -= pos & -pos
            score[k], back[k] = weights[k] + best, best_id
        for k in order[i:j]:
            pos = rows[k]
            while pos <= size:
                if score[k] > tree_score[pos]:
                    tree_score[pos], tree_id[pos] = score[k], k
                pos += pos & -pos
        i = j
    path = [int(np.argmax(score))]
    while back[path[-1]] >= 0:
        path.append(int(back[path[-1]]))
    return np.array(path[::-1], int)


def trace_curve(own: Candidates, others: Candidates, cover: np.ndarray, width: float,
                dashed: bool = False, drawn: np.ndarray | None = None,
                beside: np.ndarray | None = None) -> Curve | None:
    """The curve through ``own`` candidates, with ``others`` (other curves' ink) filling columns
    without any ink of this curve before its last own column (it is hidden there). ``cover`` is the
    curve's ink coverage, where the drops are read; a ``dashed`` curve's drops may begin with a gap.
    ``drawn``: every pixel not of the background, to tell where something drawn over the curve cuts it;
    ``beside``: the other curves' ink, under which a stretch may go on (:func:`loose_arms`)."""
    if len(own.col) == 0:
        return None
    mask = cover >= MIN_COVERAGE
    if not dashed:  # a dash's end is loose too; never crossed like a mark's bar, but do not risk it
        arms = loose_arms(mask, width, beside)
        cover, mask = np.where(arms, 0.0, cover), mask & ~arms
        own = own.take(~arms[np.clip(np.round(own.level).astype(int), 0, mask.shape[0] - 1), own.col])
        if len(own.col) == 0:
            return None
    last_own = int(own.col.max())
    # a dashed curve's dashes near the solid curve of its colour merge into the solid's ink, so
    # where it goes under the solid cannot be seen: any column without its ink may be hidden
    hidden = ~mask.any(axis=0) if dashed else _under_others(mask, others, width)
    fill = others.take((others.col <= last_own) & hidden[np.clip(others.col, 0, mask.shape[1] - 1)])
    fill = fill.take(fill.level >= _lowest_ink_before(mask)[np.clip(fill.col, 0, mask.shape[1] - 1)]
                     - mark_height(width) / 2 - width)
    fill.kind = np.full(len(fill.col), BORROWED)
    pool = Candidates.join([own, fill])
    # on a tie, stay up: ink of another curve of the same colour at a lower level is no reason to drop early
    tie_break = 1e-6 * (cover.shape[0] - pool.level) / cover.shape[0]
    path = heaviest_monotone_path(pool, WEIGHTS[pool.kind] + tie_break)
    cols, levels, mine = pool.col[path], pool.level[path], pool.kind[path] != BORROWED
    segments = _without_slivers(_segments(cols, levels), cover, width)
    drops: list[tuple[float, float, float]] = []
    kinds = pool.kind[path]
    for (start1, end1, level1), (start2, _, level2) in zip(segments, segments[1:]):
        new = _read_drops(cover, end1, start2, level1, level2, width, dash_gap(width) if dashed else 0, drawn)
        # one vertical line, split by a stray stretch half-way down (a dash's end, a mark); lines a line
        # width and a pixel apart are two, though their centres, weighted by coverage, are a hair closer;
        # so are two drops parted by a stretch that a vertical line's free end shows (the corner where
        # the drop reaches it or leaves it: a real stretch, however short, not a stray one), unless a
        # mark-high run's centre off its corners' levels is read in it too (a small drop's own line, its
        # centre mid-drop; see _shows_corner), and
        # two parted by a step of a steep staircase; a dashed curve's slivers may be its dashes' ends
        between = (cols >= start1) & (cols <= end1)
        corner = _shows_corner(levels[between], kinds[between])
        if new and drops and abs(new[0][0] - drops[-1][0]) < width + 1 - SAME_PX and not corner and \
                (dashed or not _step_between(drops[-1][0], (start1, end1), new[0][0], width)):
            where, before, _ = drops.pop()
            col = int(np.floor(min(where, new[0][0]) - width / 2))
            new[0] = (_vertical_centre(cover, _line_cols(col, width), before, new[0][2], width,
                                       where), before, new[0][2])
        drops += new
    # parts of one vertical line read apart across a stray stretch come to one column at their line
    drops = _merged_within(_at_corner_edges(cover, drops, width, int(cols[0]), int(cols[-1])), 0.25)
    # the hidden curve's anti-aliased edges peek out at the drops: stretches that close are one
    hidden = _runs_of(cols[~mine], min_len=3, max_gap=int(2 * width) + 3)
    curve = Curve(segments, drops, int(cols[0]), int(cols[-1]), int(mine.sum()), hidden, width,
                  gap=dash_gap(width) if dashed else 0)
    return _with_final_drop(curve, cover, cols, pool.kind[path])


def _shows_corner(levels: np.ndarray, kinds: np.ndarray) -> bool:
    """Does a stretch (its path's candidates' levels and kinds) show a vertical line's free end, so is
    a real stretch? It holds a LINE_END, and no mark-high run's centre that may be a small drop's own
    line's, mid-drop. Such a run is over a line width and a pixel tall, so its drop over a pixel and
    its centre half a pixel or more off the corners' levels; a mark-high run's centre within
    CORNER_BLOB_PX of a corner's level is the corner's own ink, thickened where the line turns (JPEG),
    if the corners agree on one level (within RISE_TOLERANCE_PX, as a stretch's levels wobble)."""
    corners, marks = levels[kinds == LINE_END], levels[kinds == MARK]
    if not len(corners) or not len(marks):
        return bool(len(corners))
    at_corner = np.abs(marks[:, None] - corners[None, :]).min(axis=1) < CORNER_BLOB_PX
    return bool(at_corner.all() and np.ptp(corners) <= RISE_TOLERANCE_PX)


def _step_between(left: float, stretch: tuple[int, int], right: float, width: float) -> bool:
    """Is ``stretch`` a step of a steep staircase between drops at columns ``left`` and ``right``, a
    pixel or more apart, ending by the right one (to a soft edge)? Either a sliver
    (:func:`_is_sliver`) beginning right of the left one's centre, or, with the drops a pixel and a
    half apart or more, a stretch beginning in the left one's centre column: between lines about a
    line width apart a step's flat part shows from the left line's middle on, wider than a sliver
    where the corners' ink joins it (SMX1132531_1's steep fall). A stray stretch splitting one
    vertical line (a mark's bar, a dash's end, a short line's middle read as a mark's centre, its
    parts read one or two pixels apart either side of it) lies on the line or reaches beside it;
    where the two parts were read apart all the same, they come to one column when placed at their
    line, and are merged there."""
    if right - left < 1 or stretch[1] > right + 0.5:
        return False
    sliver = _is_sliver(stretch, width) and stretch[0] > left
    return sliver or (right - left >= 1.5 and left - 0.5 <= stretch[0] < left + 0.5)


def _merged_within(drops: list[tuple[float, float, float]], apart: float) -> list[tuple[float, float, float]]:
    """Consecutive drops less than ``apart`` columns apart are one vertical line seen in parts: one
    drop, at the first part's column."""
    merged = drops[:1]
    for where, before, after in drops[1:]:
        if abs(where - merged[-1][0]) < apart:
            merged[-1] = (merged[-1][0], merged[-1][1], after)
        else:
            merged.append((where, before, after))
    return merged


def _is_sliver(stretch: tuple[int, int], width: float) -> bool:
    """Is a stretch (first and last column) narrower than a line width (a single column, for a 1 px
    line)? On a steep staircase each column's ink runs from one step to the next, read as such."""
    return stretch[1] - stretch[0] + 1 < max(width, 2)


def falling_with(curve: Curve, other: Curve, own: np.ndarray) -> Curve:
    """``curve`` with each tall drop that none of its own ink (``own``) shows, between the stretches
    around it, read down the ``other`` curve's drops there instead: where two curves of one colour
    fall together, side by side within a line width or two, their ink is one piece, all taken for the
    other curve; this one falls where that one does (as a stretch hidden under another curve comes
    out at that curve's level), not as one drop half-way across. Left as it is unless the other
    curve's drops there make up at least half of the fall."""
    width, out = curve.width, []
    ends = np.array([s[1] for s in curve.segments])
    starts = np.array([s[0] for s in curve.segments])
    cols = [d[0] for d in curve.drops]
    for k, (where, before, after) in enumerate(curve.drops):
        left = max(ends[ends < where].max(initial=curve.first_col), cols[k - 1] if k else -np.inf)
        right = min(starts[starts > where].min(initial=curve.last_col), cols[k + 1] if k + 1 < len(cols) else np.inf)
        rows = slice(int(np.ceil(before + width)), int(np.floor(after - width)) + 1)
        beside = [(c, max(b, before), min(a, after)) for c, b, a in other.drops
                  if left < c < right and a > before and b < after]
        if rows.stop <= rows.start or own[rows, int(left) + 1:int(np.ceil(right))].any() or \
                sum(a - b for _, b, a in beside) < (after - before) / 2:
            out.append((where, before, after))
            continue
        levels = [before] + [a for _, _, a in beside[:-1]] + [after]
        out += [(c, levels[j], levels[j + 1]) for j, (c, _, _) in enumerate(beside)]
    return replace(curve, drops=out)


def _lowest_ink_before(mask: np.ndarray) -> np.ndarray:
    """Per column, the lowest row of the curve's ink in the columns before it (-inf if none). A curve
    never rises, so it is not hidden under another curve above that, but for half a censor mark
    hanging below its line: where its own dashes go down beside another curve's stretch (a dash gap
    in every column there), that stretch is not where it is."""
    inked = mask.any(axis=0)
    lowest = np.where(inked, mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0), -np.inf)
    return np.r_[-np.inf, np.maximum.accumulate(lowest)[:-1]]


def _with_final_drop(curve: Curve, cover, cols: np.ndarray, kinds: np.ndarray) -> Curve:
    """The curve ending with its final drop (:func:`_final_drop`), if one hangs from its last stretch, or
    from the one before when the last is the drop's own vertical line read as a mark's centre (``cols``,
    ``kinds``: the path's candidates) and lies on the drop's line, within half a line width and a pixel
    of its centre (a drop shorter than a thick line is a block of ink, its columns' centres read at its
    edge). When the last two stretches are such vertical lines (two final steps a few px apart on a
    thin line, the stretch between too faint to read), a drop to the first one's foot, a stretch
    there, and the final drop from it. The curve as read kept beside it."""
    segments, drops, width, gap = curve.segments, curve.drops, curve.width, curve.gap
    stubs, final, steps = _trailing_stubs(segments, cols, kinds, width), None, []
    if stubs:
        final = _final_drop(cover, segments[-2][1], segments[-2][2], width, gap)
        if _on_line(final, segments[-1], width):
            segments = segments[:-1]
        elif stubs == 2 and len(segments) > 2:
            step = _final_drop(cover, segments[-3][1], segments[-3][2], width, gap)
            final = _final_drop(cover, int(np.ceil(step[0])), step[2], width, gap) \
                if _on_line(step, segments[-2], width) else None
            if _on_line(final, segments[-1], width):
                segments, steps = segments[:-2], [step]
            else:
                final = None
        elif len(drops) > 1 and abs(drops[-1][2] - segments[-1][2]) < NEW_LEVEL_PX and \
                drops[-2][0] >= segments[-2][1] - width:
            # the first of two final steps read as a drop, the second's line as a stub, a drop into it
            step = drops[-2]
            final = _final_drop(cover, int(np.ceil(step[0])), step[2], width, gap, step[0])
            if _on_line(final, segments[-1], width):
                segments, steps = segments[:-1], [step]
            else:
                final = None
        else:
            final = None
    if final is None:
        final = _final_drop(cover, curve.last_col, curve.segments[-1][2], width, gap)
        segments = curve.segments
    else:
        level = segments[-1][2]  # drops down to the stubs' ends at the stretch before
        drops = [(col, before, min(after, level)) for col, before, after in drops if before < level - NEW_LEVEL_PX]
        drops += steps
        segments = segments + [(int(np.ceil(s[0])), int(np.floor(final[0])), s[2]) for s in steps]
    if final is None:
        return curve
    return replace(curve, segments=segments, drops=drops + [final],
                   last_col=max(curve.last_col, int(np.ceil(final[0]))), as_read=curve)


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
    such a gap. ``after``: the column of the drop the line comes down at, if just before (its vertical
    line rises above the line, and is no mark's stem: two final steps a few px apart on a thin line).
    None where the line just ends (the last observation censored)."""
    mask = cover >= MIN_COVERAGE
    h, w = mask.shape
    half = (width - 1) / 2
    line = slice(max(int(np.floor(level - half)) - 1, 0), int(np.ceil(level + half)) + 2)
    first = int(np.ceil(level + half)) + 1  # the first row under the line
    reach = int(np.ceil(width)) + 1  # a mark's stem may rise beside the column its foot hangs from
    above = _line_top(mask, range(max(end_col - 3 * reach, 0), end_col + 1), level) - 1  # the first row over it
    if first + FINAL_DROP_MIN_PX >= h:
        return None
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


def loose_arms(mask: np.ndarray, width: float, beside: np.ndarray | None = None) -> np.ndarray:
    """The pixels of the arms of ``+`` censor marks standing off the curve where it falls steeply
    through them. Such a mark's bar is a short run of ink along a row (no longer than a mark),
    crossed by ink running on above and below it (the falling line), and loose at both ends: nothing
    of the arm's colour left of or above its left end, right of or below its right end, and nothing
    leaving its right arm downwards. A stretch is entered from above or from the left and left
    downwards or to the right, so it is never loose at both ends. Both arms and their soft edges (the
    rows beside them under half covered) are erased; the crossing line stays. A mark with one end on
    the curve (its bar run into the falling line) has its other arm erased if that one is loose and
    the fall runs on from the bar on its side (:func:`_falls_from`): the right arm when it runs on
    down (a mark at the top of a steep fall), the left one when it comes down into the bar. The arm
    beyond the falling line is the mark's, whichever of the crossing pixels are the curve's (less a
    line width beside the line, where the curve may run on along the bar between two drops), unless
    another curve's ink touches that arm (``beside``): the stretch may go on under it. A mark on a
    stretch, or with the curve leaving its right arm downwards, is left alone."""
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
        if mask[y + 1:y + reach + 1, beyond:last].any():  # the curve leaves the right arm down: a stretch
            continue
        before = max(crossing[0] - ink, first)  # short of the crossing line and its soft edge
        around = near[max(y - reach, 0):y + reach + 1]  # another curve touching an arm: it may go on under it
        if free_both:
            arms[y, first:crossing[0]] = arms[y, crossing[-1] + 1:last] = True
            continue
        # one end on the curve: a line width beside the crossing is kept, where the curve may run on
        # along the bar (a short stretch between two drops with the mark on it)
        arms[y, first:before] = free_left and not around[:, max(first - reach, 0):before].any()
        arms[y, beyond:last] = free_right and not around[:, beyond:last + reach].any()
    soft = np.zeros(mask.shape, bool)
    soft[1:] |= arms[:-1]
    soft[:-1] |= arms[1:]
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


def _under_others(mask: np.ndarray, others: Candidates, width: float) -> np.ndarray:
    """Per column: may the curve be hidden under another one there? Only in a stretch of columns
    without any of its ink that touches another curve at one end (the curve goes under it, or comes
    out from under it, at its level), or that comes before any of its ink (curves start together):
    a curve cut by a legend or a label does not touch another curve there, and is not moved onto one."""
    inked = mask.any(axis=0)
    hidden = np.zeros(mask.shape[1], bool)
    near = int(np.ceil(width)) + 3
    for first, last in _runs_of(np.flatnonzero(~inked), min_len=1, max_gap=0):
        if not inked[:first].any() or \
                _touches(mask, others, first - near, first, first - near, first + near, width) or \
                _touches(mask, others, last + 1, last + 1 + near, last + 1 - near, last + 1 + near, width):
            hidden[first:last + 1] = True
    return hidden


def _touches(mask, others: Candidates, own_from: int, own_to: int, other_from: int, other_to: int,
             width: float) -> bool:
    """Does this curve's ink in columns [own_from, own_to) come within a line width (and the soft
    edges) of another curve's line in columns [other_from, other_to)?"""
    rows = np.flatnonzero(mask[:, max(own_from, 0):max(own_to, 0)].any(axis=1))
    levels = others.level[(others.col >= other_from) & (others.col < other_to)]
    if len(rows) == 0 or len(levels) == 0:
        return False
    return bool((np.abs(rows[:, None] - levels[None, :]) <= width + 2).any())


def _segments(cols: np.ndarray, levels: np.ndarray) -> list[tuple[int, int, float]]:
    """Split the path into horizontal stretches wherever it steps down; each stretch's level is the
    median of its centres."""
    segments, start = [], 0
    for i in range(1, len(cols) + 1):
        if i == len(cols) or levels[i] > np.median(levels[start:i]) + NEW_LEVEL_PX:
            level = float(np.median(levels[start:i]))
            if segments and level <= segments[-1][2] + NEW_LEVEL_PX:  # not lower after all: same stretch
                first, _, _ = segments.pop()
                level = float(np.median(levels[np.searchsorted(cols, first):i]))
                segments.append((first, int(cols[i - 1]), level))
            else:
                segments.append((int(cols[start]), int(cols[i - 1]), level))
            start = i
    return segments


def _without_slivers(segments: list[tuple[int, int, float]], cover: np.ndarray,
                     width: float) -> list[tuple[int, int, float]]:
    """The stretches less those narrower than a line width (a single column, for a 1 px line) between
    two others, where the curve's ink runs on unbroken through them: on a steep staircase (drops less
    than a line width apart) each column's ink is a short run between two vertical lines, read as a
    stretch of a column or two. The drops on both sides of it are one gap then, read column by column
    from the bottom of the ink (:func:`_read_drops`). Where other curves hide parts of the staircase,
    the pieces of it that show are kept as stretches: they are all that places it. A first stretch
    no wider than a line width is the vertical line of a steep start: the curve comes from the top of
    its ink, half a line width above its level."""
    if len(segments) < 2:
        return segments
    mask = cover >= MIN_COVERAGE
    first, last, level = segments[0]
    row = int(round(level))
    if last - first + 1 <= width:
        tops = [_top_edge(cover[:, c], row) for c in range(first, last + 1) if mask[row, c]]
        level = min(level, float(np.median(tops)) + width / 2) if tops else level
    pieces, _ = ndimage.label(mask, structure=np.ones((3, 3), bool))
    # the ink piece at each stretch's first and last column (0: no ink there)
    ends = [(pieces[min(max(int(round(lv)), 0), cover.shape[0] - 1), a],
             pieces[min(max(int(round(lv)), 0), cover.shape[0] - 1), b]) for a, b, lv in segments]
    kept, run = [(first, last, level)], []
    for k, seg in enumerate(segments[1:], start=1):
        if k < len(segments) - 1 and _is_sliver(seg[:2], width):
            run.append(k)
            continue
        through = {ends[k - len(run) - 1][1], ends[k][0]} | {p for j in run for p in ends[j]}
        if len(through) > 1 or 0 in through:  # broken: keep the pieces that show
            kept += [segments[j] for j in run]
        kept.append(seg)
        run = []
    return kept


def _top_edge(column: np.ndarray, row: int) -> float:
    """The top edge, to a fraction of a pixel, of the unbroken run of ink through ``row`` of a column:
    its first pixel at least half covered, less the coverage of the soft pixel above it."""
    row = _run_top(column >= MIN_COVERAGE, row)
    return row + 0.5 - column[row] - (column[row - 1] if row else 0.0)


def _read_drops(cover, end1: int, start2: int, level1: float, level2: float, width: float, gap: int,
                drawn: np.ndarray | None = None):
    """The drop(s) between a stretch ending at column ``end1`` and the next starting at ``start2``;
    ``gap``: the longest gap between a dashed line's dashes (0 for a solid line).

    A staircase of drops closer than a line width is read along its drifting line (:func:`_staircase`).
    Otherwise, in each column between the stretches, the bottom of the ink hanging from the line
    (less half a line width) is how far the curve has come down there; each new low is a drop,
    placed at the coverage-weighted centre of the vertical line that makes it (sub-pixel, whatever
    the renderer). Columns without ink (a dash gap, another curve on top) or with a censor mark (ink
    rising above the line) say nothing; a drop no column shows is placed by :func:`_unseen_drop`.
    """
    staircase = _staircase(cover, end1, start2, level1, level2, width)
    if staircase:
        return staircase
    mask = cover >= MIN_COVERAGE
    half = (width - 1) / 2
    top, bottom = int(np.floor(level1 - width)), int(np.ceil(level2 + width)) + 1
    # the stretches' end columns may hold the vertical line too (another curve crossing it can
    # leave a short run there): look a line width into each
    first, last = max(end1 + 1 - int(np.ceil(width)), 0), min(start2 + int(np.ceil(width)), mask.shape[1])
    band = mask[max(top, 0):bottom, first:last]
    reached, known_at = level1, first - 1
    reach = width + 1 + gap  # ink this far from the line hangs from it
    drops = []
    for offset in range(band.shape[1]):
        col = first + offset
        ink = max(top, 0) + np.flatnonzero(band[:, offset])
        above = int(np.floor(level1 - half)) - 1
        attached = np.flatnonzero(np.abs(ink - reached) <= reach)
        if len(attached) == 0 or (not drops and mask[max(above - 2, 0):max(above, 0), col].any()):
            continue  # nothing hangs from the line here, or a censor mark's stem rises above it: no news
        end = attached[0]  # follow the ink hanging from the line (across another curve's line
        while end + 1 < len(ink) and ink[end + 1] - ink[end] <= max(2 * width + 2, reach):  # crossing it)
            end += 1
        low = min(ink[end] - half, level2)
        past = min(col + int(np.ceil(width)), mask.shape[1] - 1)  # just past this vertical stroke
        foot = int(round(ink[end]))
        # a censor mark's stem, not a drop, if the curve is not down there a stroke later, unless the
        # next column's ink goes on lower unbroken (a steep line, thinner than its runs say: a diagonal)
        # or, on a dashed line, this vertical dash ends where it is and the next one down (above the
        # stretch below) is within a dash gap, across and down, or its dashes hang from the line down
        # to the stretch below over more than a mark's height (the stretch's first dash is a gap later)
        steep = mask[min(foot + 1, mask.shape[0] - 1), min(col + 1, mask.shape[1] - 1)]
        dash_ends = gap > 0 and not mask[ink[attached[0]]:foot + 1, col + 1:past + 1].any()
        next_dash = mask[foot + 1:min(foot + 2 + gap, int(level2 - width)), past:past + gap + 1]
        down_to_it = gap > 0 and low >= level2 - width - 1 and foot - ink[attached[0]] > mark_height(width)
        later = mask[max(foot - 1, 0):foot + 2, past].any() or (dash_ends and next_dash.any()) or down_to_it
        if low > reached + NEW_LEVEL_PX and not later and not steep:
            continue
        if low > reached + NEW_LEVEL_PX:
            where = col + half if known_at == col - 1 else (known_at + col) / 2
            where = _vertical_centre(cover, _line_cols(col, width), reached, low, width, where)
            # the head or foot of the same vertical line: within half a line width of it, the one or the
            # other no deeper than a corner's soft pixel or a round join (on a steep staircase, drops a
            # column apart are each deeper); or next to a sliver of a drop. One drop then, placed by the
            # two parts' lengths (a short one may be a rounded corner's bulge). Two drops a line width
            # apart, the first a real one, are two
            if drops:
                apart, last_size = abs(where - drops[-1][0]), drops[-1][2] - drops[-1][1]
                shallow = min(low - reached, last_size) <= width / 2 + 1
                if (apart < width / 2 + 1 and shallow) or (apart < width + 1 and last_size < max(1.0, width / 2)):
                    first_at, reached, first_low = drops.pop()
                    where = float(np.average([first_at, where], weights=[first_low - reached, low - first_low]))
            drops.append((where, reached, low))
            reached = low
        known_at = col
    if reached < level2 - 1e-9:
        if drops and level2 - reached <= NEW_LEVEL_PX:  # the last step's foot: extend it
            where, before, _ = drops.pop()
            drops.append((where, before, level2))
        else:
            drops += _unseen_drop(cover, end1 if known_at <= end1 else known_at, start2, reached, level2, width, drawn)
    return drops


def _staircase(cover, start: int, stop: int, top: float, bottom: float, width: float):
    """A tall drop whose vertical line drifts right as it goes down, one unbroken stroke per row: a
    staircase of drops closer together than a line width, which no column shows apart (each column
    holds the foot of one step and the head of the next). One drop per pixel the line drifts, at the
    column where the line is in those rows; None when the line does not drift."""
    first_row, last_row = int(np.ceil(top + width)), int(np.floor(bottom - width))
    reach = int(np.ceil(width)) + 1
    cols = np.arange(max(start - reach, 0), min(max(stop, start) + reach, cover.shape[1]))
    if last_row - first_row < 3 or len(cols) < 2:
        return None
    weight = cover[first_row:last_row + 1][:, cols]
    solid = weight >= MIN_COVERAGE
    inked = solid.any(axis=1)
    strokes = (np.diff(solid.astype(np.int8), axis=1) == 1).sum(axis=1) + solid[:, 0]
    if inked.sum() < 3 or (strokes[inked] > 1).any():  # a mark's stem or another line beside it
        return None
    rows = first_row + np.flatnonzero(inked)
    centre = weight[inked] @ cols / weight[inked].sum(axis=1)
    if centre[-1] - centre[0] <= width + 1 or (np.diff(centre) < -0.5).any():
        return None
    starts = [0]
    for i in range(1, len(centre)):
        if centre[i] - centre[starts[-1]] >= 1.0:
            starts.append(i)
    bounds = [top] + [(rows[i - 1] + rows[i]) / 2 for i in starts[1:]] + [bottom]
    ends = starts[1:] + [len(centre)]
    return [(float(np.median(centre[a:b])), bounds[k], bounds[k + 1]) for k, (a, b) in enumerate(zip(starts, ends))]


def _unseen_drop(cover, end1: int, start2: int, level1: float, level2: float, width: float,
                 drawn: np.ndarray | None = None):
    """A drop no column showed (a dash gap, marks, a line cap running past the corner, an occluder
    such as a legend). Its vertical line, where visible, is within a line cap of the stretches'
    ends: leaving the upper stretch near its end (head), reaching the lower one near its start
    (foot). The parts the line shows are placed there. A line cut by the edge of something drawn
    over it (a legend's frame) goes on under it: the whole drop is there. What no line shows
    happened unseen in between: halfway across, as a drop with no line at all."""
    cap, slack = int(np.ceil(width)) + 2, width + 2
    head = _vertical_line(cover, np.arange(end1 - cap, end1 + cap + 1), level1, level2, width, "top")
    foot = _vertical_line(cover, np.arange(start2 - cap, start2 + cap + 1), level1, level2, width, "bottom")
    drops, upper, left = [], level1, float(end1)  # placed so far: down to ``upper``, at column ``left``
    if head is not None and head[1] <= level1 + slack:
        cut = _cut_by_edge(drawn, range(head[2] + 1, head[2] + 4), head[0])
        upper = level2 if head[2] >= level2 - slack or cut else head[2] + width / 2
        drops.append((head[0], level1, upper))
        left = head[0]
    if upper >= level2:
        return drops
    if foot is not None and foot[2] >= level2 - slack and foot[0] > left:
        cut = _cut_by_edge(drawn, range(foot[1] - 3, foot[1]), foot[0])
        top = upper if foot[1] <= upper + slack or cut else foot[1] - width / 2
        if top > upper:
            drops.append(((left + foot[0]) / 2, upper, top))
        drops.append((foot[0], top, level2))
    else:
        drops.append(((left + start2) / 2, upper, level2))
    return _merged_within(drops, width + 1)  # head and foot of one vertical line, seen in two parts


def _cut_by_edge(drawn: np.ndarray | None, rows: range, col: float) -> bool:
    """Is a vertical line at ``col`` cut by a horizontal edge (drawn pixels on both sides of it) in ``rows``?"""
    if drawn is None:
        return False
    c = int(round(col))
    rows = [r for r in rows if 0 <= r < drawn.shape[0]]
    left, right = drawn[rows, max(c - 5, 0):max(c - 2, 0)], drawn[rows, c + 3:c + 6]
    return bool((left.any(axis=1) & right.any(axis=1)).any()) if rows else False


def _line_cols(col: int, width: float) -> np.ndarray:
    """The columns a vertical line of ``width`` found at ``col`` may cover, soft edges included."""
    return np.arange(col - 1, col + int(np.ceil(width)) + 2)


def _vertical_centre(cover, cols: np.ndarray, top: float, bottom: float, width: float, fallback: float) -> float:
    """The column of a drop's vertical line among ``cols`` (see :func:`_vertical_line`), or ``fallback``."""
    line = _vertical_line(cover, cols, top, bottom, width)
    return fallback if line is None else line[0]


def _vertical_line(cover, cols: np.ndarray, top: float, bottom: float, width: float,
                   end: str | None = None) -> tuple[float, int, int] | None:
    """A drop's vertical line among ``cols``, from rows clear of both stretches that hold ink: its
    column, the median over those rows of each row's coverage-weighted centre (so a censor mark's
    stem or bar beside a few rows of the line does not pull it), and its first and last row with ink.
    With ``end`` "top" or "bottom", only the unbroken run of inked rows from that end counts (other
    ink in the window, such as text, is not part of the line)."""
    first = int(np.ceil(top + width))
    cols = cols[(cols >= 0) & (cols < cover.shape[1])]
    weight = cover[first:int(np.floor(bottom - width)) + 1][:, cols]
    inked = weight.max(axis=1, initial=0.0) >= MIN_COVERAGE
    rows = np.flatnonzero(inked)
    breaks = np.flatnonzero(np.diff(rows) > 2)  # a one-row gap does not break a line
    if end is not None and len(breaks):
        inked[:] = False
        inked[rows[:breaks[0] + 1] if end == "top" else rows[breaks[-1] + 1:]] = True
    if not inked.any():
        return None
    rows = first + np.flatnonzero(inked)
    return float(np.median(weight[inked] @ cols / weight[inked].sum(axis=1))), int(rows[0]), int(rows[-1])


def _runs_of(cols: np.ndarray, min_len: int, max_gap: int) -> list[tuple[int, int]]:
    """Runs of columns (gaps up to ``max_gap`` bridged, at least ``min_len`` long) as (first, last)."""
    if len(cols) == 0:
        return []
    groups = np.split(cols, np.flatnonzero(np.diff(cols) > max_gap + 1) + 1)
    return [(int(g[0]), int(g[-1])) for g in groups if g[-1] - g[0] + 1 >= min_len]


def _at_corner_edges(cover, drops, width: float, first_col: int, last_col: int):
    """Each drop moved to halfway between the right edge of the stretch above it and the left edge of
    the stretch below it, each read to a fraction of a pixel from the anti-aliased coverage of the
    rows that only one of the two stretches crosses (see :func:`_edge`). The two edges are the outer
    sides of the drop's vertical line, so their middle is the line's centre whatever the line's width,
    and a rounded corner moves both edges inwards alike. Only small drops are moved: their vertical
    line shows in no row clear of the stretches, and :func:`_read_drops` put them on a whole pixel. A
    tall drop keeps the centre of its own line, and so does a drop too close to the next, or whose
    edges are not both clean (a mark, another curve, a gap)."""
    out = []
    reach = int(np.ceil(width / 2)) + 2
    for k, (where, before, after) in enumerate(drops):
        left_end = (drops[k - 1][0] if k else first_col - width) + width / 2 + 1
        right_end = (drops[k + 1][0] if k + 1 < len(drops) else last_col + width) - width / 2 - 1
        centre = int(round(where))
        cols = np.arange(centre - reach, centre + reach + 1)
        above = np.arange(cols[0] - 3, cols[0])
        below = np.arange(cols[-1] + 1, cols[-1] + 4)
        line = _vertical_line(cover, _line_cols(int(np.floor(where - width / 2)), width), before, after, width)
        tall = line is not None and line[2] - line[1] >= 2  # its own vertical line places it
        if tall or above[0] < left_end or below[-1] > right_end or above[0] < 0 or below[-1] >= cover.shape[1]:
            out.append((where, before, after))
            continue
        right = _edge(cover, np.arange(int(np.floor(before - width / 2 - 0.5)), int(np.floor(before + 0.5)) + 1),
                      cols, above, below, +1)
        left = _edge(cover, np.arange(int(np.ceil(after - 0.5)), int(np.ceil(after + width / 2 + 0.5)) + 1),
                     cols, below, above, -1)
        if right is None or left is None or abs((right + left) / 2 - where) > width / 2 + 1:
            out.append((where, before, after))
            continue
        out.append(((right + left) / 2, before, after))
    return out


def _edge(cover, rows: np.ndarray, cols: np.ndarray, own: np.ndarray, other: np.ndarray, direction: int):
    """Where a stretch ends inside ``cols`` (direction +1: it comes from the left, ``own`` columns,
    and its right edge is sought; -1: from the right). In each row the stretch crosses (its coverage
    in ``own``, at least 0.3) and the other stretch does not (coverage in ``other`` under 0.1), the
    ink's coverage relative to the stretch's, summed from the window's far side, is the distance to
    the edge. The rows' edges are averaged, weighted by the stretch's coverage; None if no row is clean."""
    rows = rows[(rows >= 0) & (rows < cover.shape[0])]
    found, weights = [], []
    for r in rows:
        alpha = float(np.median(cover[r, own]))
        if alpha < 0.3 or float(np.median(cover[r, other])) >= 0.1:
            continue
        profile = np.clip(cover[r, cols] / alpha, 0.0, 1.0)[::direction]
        length = profile.sum()
        if profile[0] < 0.7 or profile[int(np.ceil(length + 1.5)):].max(initial=0.0) > 0.1:
            continue  # the stretch does not reach the window, or ink beyond its edge (a mark, another line)
        start = cols[0] - 0.5 if direction > 0 else cols[-1] + 0.5
        found.append(start + direction * length)
        weights.append(alpha)
    return float(np.average(found, weights=weights)) if found else None
