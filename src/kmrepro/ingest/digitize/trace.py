"""Reading one curve out of its ink mask: horizontal stretches, the monotone path, and the drops.

The steps live apart: the line's width and its marks' height (:mod:`.strokes`), the candidate levels
per column (:mod:`.candidates`), censor marks kept off the curve (:mod:`.marks`), the drops between
stretches (:mod:`.drops`) and the final drop (:mod:`.ending`); this module traces the path and joins
them. A KM curve is a staircase. In a column crossed by a horizontal stretch the arm's ink is a short run
(about one line width); its coverage-weighted centre places the stretch to a fraction of a pixel.
Vertical parts (drops, the stems of ``|`` and ``+`` censor marks) give long runs and no candidate;
a drop's vertical line shorter than a mark, or a piece of one showing between curves drawn over this
one, gives the levels of its free ends instead (the stretches the drop leaves and reaches).
The curve is the heaviest path through the candidates whose level never rises (a weighted longest
non-decreasing subsequence, O(n log n)): legends, text and annotations in the arm's colour cannot be
on it without giving up more of the curve. Where another curve is drawn over this one (this curve's
ink stops where it touches the other), the other curve's candidates stand in, with a lower weight,
so the hidden stretch comes out at the level of the curve hiding it, if the drops to and from that
level could be hidden too (:func:`_unhidden_borrowed`); where something else cuts the
curve (a legend), nothing stands in and the gap is bridged as a step function, never a rise. Drops
are then read between consecutive stretches, column by column, so a run of drops too close to
resolve is read step by step rather than as one drop, or, closer than a line width, along the
drift of their line. On a steep fall the short runs between the drops look like stretches a column
or two wide; where the ink runs on unbroken through them the fall is read as one gap; where another
curve hides parts of it, each is a step between the drops left and right of it. The arms of
``+`` marks across a steep fall look like stretches too, loose at their ends: they are erased first.
After the last stretch, a vertical line hanging from it is the curve's final drop (its last
observation an event), read down to where its ink ends (:func:`.ending._final_drop`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from .candidates import BORROWED, Candidates, LINE, LINE_END, MARK, WEIGHTS
from .colours import MIN_COVERAGE
from .drops import NEW_LEVEL_PX, _at_corner_edges, _line_cols, _merged_within, _read_drops, _vertical_centre
from .ending import _run_top, _with_final_drop
from .marks import loose_arms
from .strokes import dash_gap, mark_height

RISE_TOLERANCE_PX = 1  # levels may wobble up by this much (anti-aliasing, JPEG) along a stretch
SAME_PX = 1e-6  # positions this close (px) are the same: centres weighted by coverage carry rounding noise
MAX_RETRACES = 3  # paths traced again without borrowed steps no drop could hide under (_unhidden_borrowed)
CORNER_BLOB_PX = 0.5  # a mark-high run's centre this close to a corner's level is the corner's ink (see _shows_corner)


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
    # the pixels of marks' arms erased before tracing (:func:`.marks.loose_arms`); None for a dashed curve
    erased: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def ends_in_drop(self) -> bool:
        return self.as_read is not None

    def ending_at(self, zero: float | None, bottom: int, ink: np.ndarray, hang: float = 0.0) -> "Curve":
        """The curve with its final drop (if any) ending at ``zero`` (the zero level's row; None if the
        y axis does not start at 0): a KM curve that ends in an event ends at zero. A final drop ending
        within half a line width and a pixel of it (a flat or a square line cap; a dashed line's within a
        gap between its dashes, where its last dash may end), or running out of the plot area (last row
        ``bottom``), is put there. One ending elsewhere is the last step of a curve whose last time has
        both events and censorings, or the foot of a censor mark whose stem is hidden above the line
        (under another curve): kept where no curve's ink (``ink``) lies over the line as far up as the
        drop hangs below it, where the stem would show; else left out, the curve taken as read. A last
        step kept ends at the censor mark of the censorings at its time, where the curve shows marks:
        ``hang`` px (how far its marks hang below its line) above where its ink ends."""
        if not self.ends_in_drop:
            return self
        where, before, after = self.drops[-1]
        if after > bottom or (zero is not None and abs(after - zero) <= max(self.width / 2 + 1, self.gap)):
            return replace(self, drops=self.drops[:-1] + [(where, before, bottom if zero is None else zero)])
        if self._stem_hidden(ink) or after - hang <= before:
            return self.as_read
        return replace(self, drops=self.drops[:-1] + [(where, before, after - hang)])

    def _stem_hidden(self, ink: np.ndarray) -> bool:
        """Could a censor mark's stem rising over the final drop's column (as high above the line as the
        drop hangs below it) be hidden under a curve's ink there? The row next to the line (its soft
        edge) is left out."""
        where, before, after = self.drops[-1]
        top = int(round(before - (self.width - 1) / 2))  # the line's first row
        reach = int(np.ceil(self.width)) + 1
        col = int(round(where))
        rows = slice(max(top - int(np.ceil(after - before)), 0), max(top - 1, 0))
        return bool(ink[rows, max(col - reach, 0):col + reach + 1].any())

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
    ``beside``: the other curves' ink, under which a stretch may go on (:func:`.marks.loose_arms`)."""
    if len(own.col) == 0:
        return None
    mask = cover >= MIN_COVERAGE
    arms = None
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
    # a borrowed step whose drops nothing could hide is another curve's; a dashed curve's drops may
    # fall in the gaps between its dashes
    if drawn is not None and not dashed:
        for _ in range(MAX_RETRACES):
            seen = _unhidden_borrowed(pool, path, mask | drawn, width)
            if not seen.any():
                break
            pool, tie_break = pool.take(~seen), tie_break[~seen]
            path = heaviest_monotone_path(pool, WEIGHTS[pool.kind] + tie_break)
    cols, levels, mine = pool.col[path], pool.level[path], pool.kind[path] != BORROWED
    segments = _without_slivers(_segments(cols, levels), cover, width)
    drops: list[tuple[float, float, float]] = []
    kinds = pool.kind[path]
    for (start1, end1, level1), (start2, _, level2) in zip(segments, segments[1:]):
        new = _read_drops(cover, end1, start2, level1, level2, width, dash_gap(width) if dashed else 0, drawn,
                          beside)
        between = (cols >= start1) & (cols <= end1)
        if new and drops and not _two_drops(drops[-1][0], new[0][0], (start1, end1), level1, levels[between],
                                            kinds[between], mask, width, dashed):
            where, before, _ = drops.pop()
            col = int(np.floor(min(where, new[0][0]) - width / 2))
            new[0] = (_vertical_centre(cover, _line_cols(col, width), before, new[0][2], width,
                                       where, beside), before, new[0][2])
        drops += new
    # parts of one vertical line read apart across a stray stretch come to one column at their line
    drops = _merged_within(_at_corner_edges(cover, drops, width, int(cols[0]), int(cols[-1])), 0.25)
    # the hidden curve's anti-aliased edges peek out at the drops: stretches that close are one
    hidden = _runs_of(cols[~mine], min_len=3, max_gap=int(2 * width) + 3)
    curve = Curve(segments, drops, int(cols[0]), int(cols[-1]), int(mine.sum()), hidden, width,
                  gap=dash_gap(width) if dashed else 0, erased=arms)
    return _with_final_drop(curve, cover, cols, pool.kind[path])


def _unhidden_borrowed(pool: Candidates, path: np.ndarray, covered: np.ndarray, width: float) -> np.ndarray:
    """Per candidate of ``pool``: is it on a run of the ``path`` read from other curves' ink (this
    curve hidden under them) whose drop from this curve's own stretch before it, or to the one after
    it, nothing could hide? A drop's vertical line crosses a column between the two stretches' facing
    ends (the last column of the one, the first of the other), so one of those columns is
    ``covered`` (drawn on) all down the drop, between the stretches' lines; where every such column
    shows the background part-way down, while the run's columns are drawn over at that own stretch's
    level (the curve may run on hidden there), the curve did not go under the other one at the run's
    level: the step is the other curve's (survminer four arms adeno: a fourth curve's stretch
    crossing over the third's drop, under which this one falls). A run over the background at the own
    stretch's level is a gap in the curve's line (a dashed curve of its own colour), kept."""
    kinds, cols, levels = pool.kind[path], pool.col[path], pool.level[path]
    seen = np.zeros(len(pool.col), bool)
    for first, last in _runs_of(np.flatnonzero(kinds == BORROWED), min_len=1, max_gap=0):
        if first == 0 or last + 1 == len(path):  # the curve's start or end: no own stretch on both sides
            continue
        run = cols[first:last + 1]
        for own, edge in ((first - 1, first), (last + 1, last)):
            left, right = sorted((cols[own], cols[edge]))
            if not _drop_hidden(covered, left, right, levels[own], levels[edge], width) and \
                    covered[int(round(levels[own])), run].all():
                seen[path[first:last + 1]] = True
    return seen


def _drop_hidden(covered: np.ndarray, left: int, right: int, level1: float, level2: float, width: float) -> bool:
    """Could a drop between stretches at ``level1`` and ``level2`` ending at column ``left`` and
    beginning at ``right`` be drawn over: is some column between them covered all down the drop,
    between the stretches' lines and their soft edges?"""
    top, bottom = sorted((level1, level2))
    rows = slice(int(np.ceil(top + width / 2 + 1)), int(np.floor(bottom - width / 2 - 1)) + 1)
    if rows.stop <= rows.start:
        return True
    span = covered[rows, max(left, 0):min(right, covered.shape[1] - 1) + 1]
    return bool(span.all(axis=0).any())


def _two_drops(left: float, right: float, stretch: tuple[int, int], level: float, levels: np.ndarray,
               kinds: np.ndarray, mask: np.ndarray, width: float, dashed: bool) -> bool:
    """Are drops at columns ``left`` and ``right``, parted by ``stretch`` (at ``level``; its path's
    candidates' ``levels`` and ``kinds``), two drops, or one vertical line split by a stray stretch
    half-way down (a dash's end, a mark)? Two if a line width and a pixel apart (their centres,
    weighted by coverage, may come out a hair closer: SAME_PX); if the stretch shows a vertical line's
    free end, the corner where a drop leaves or reaches it (:func:`_shows_corner`: a real stretch,
    however short); or if it is a step of a steep staircase (:func:`_step_between`), unless read only
    from other curves' ink beside this one's own falling line (:func:`_falls_through`), or on a dashed
    curve, whose slivers may be its dashes' ends."""
    if abs(right - left) >= width + 1 - SAME_PX or _shows_corner(levels, kinds):
        return True
    borrowed = (kinds == BORROWED).all() and _falls_through(mask, stretch, level, width)
    return not dashed and not borrowed and _step_between(left, stretch, right, width, bool((kinds == LINE).all()))


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


def _step_between(left: float, stretch: tuple[int, int], right: float, width: float,
                  line_high: bool = False) -> bool:
    """Is ``stretch`` a step of a steep staircase between drops at columns ``left`` and ``right``, a
    pixel or more apart, ending by the right one (to a soft edge)? Either a sliver
    (:func:`_is_sliver`) beginning right of the left one's centre, or, with the drops a pixel and a half
    apart or more, a stretch beginning in the left one's centre column: between lines about a line
    width apart a step's flat part shows from the left line's middle on, wider than a sliver where the
    corners' ink joins it (SMX1132531_1's steep fall). A stray stretch splitting one vertical line (a
    mark's bar, a dash's end, a short line's middle read as a mark's centre, its parts read one or two
    pixels apart either side of it) lies on the line or reaches beside it;
    where the two parts were read apart all the same, they come to one column when placed at their
    line, and are merged there. A stretch whose own ink is ``line_high`` (a horizontal stroke: the
    drops' lines hidden under another curve) is a step from any column of the left line on, up to
    half a line width right of its centre (JPEG veterans ``standard``, R four-arm ``adeno``), if it
    ends short of the right one's centre: a mark-high run there may be the vertical line's own piece
    (a short drop's middle, read as a mark's centre), and a ``+`` mark's bar on the falling line
    reaches across it."""
    if right - left < 1 or stretch[1] > right + 0.5:
        return False
    sliver = _is_sliver(stretch, width) and stretch[0] > left
    begins = stretch[0] - left  # from the left line's centre
    in_left_line = -0.5 <= begins and (begins < 0.5 or line_high and begins <= width / 2 + SAME_PX
                                       and stretch[1] < right)
    return sliver or (right - left >= 1.5 and in_left_line)


def _falls_through(mask: np.ndarray, stretch: tuple[int, int], level: float, width: float) -> bool:
    """Does this curve's own ink beside a stretch read from another curve's ink (this one hidden
    under it) show a vertical line running through the stretch's level, a line width above and below
    it? The curve is mid-drop there: the stretch is the other curve's step, not this one's (three
    arms adeno, its drop's line showing beside the other's step). Columns within a line width and a
    pixel either side."""
    near = int(np.ceil(width)) + 1
    top, bottom = int(np.floor(level - width)), int(np.ceil(level + width))
    if top < 0 or bottom >= mask.shape[0]:
        return False
    cols = np.r_[max(stretch[0] - near, 0):stretch[0], stretch[1] + 1:min(stretch[1] + 1 + near, mask.shape[1])]
    return bool(mask[top:bottom + 1, cols].all(axis=0).any())


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
    from the bottom of the ink (:func:`.drops._read_drops`). Where other curves hide parts of the staircase,
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


def _runs_of(cols: np.ndarray, min_len: int, max_gap: int) -> list[tuple[int, int]]:
    """Runs of columns (gaps up to ``max_gap`` bridged, at least ``min_len`` long) as (first, last)."""
    if len(cols) == 0:
        return []
    groups = np.split(cols, np.flatnonzero(np.diff(cols) > max_gap + 1) + 1)
    return [(int(g[0]), int(g[-1])) for g in groups if g[-1] - g[0] + 1 >= min_len]
