"""Reading the drops between two stretches of a traced curve: column by column along their vertical
lines, along the drifting line of a staircase closer than a line width, or across a gap where
nothing of the drop shows; each placed to a fraction of a pixel from the anti-aliased coverage.
"""

from __future__ import annotations

import numpy as np

from .colours import MIN_COVERAGE
from .strokes import mark_height

NEW_LEVEL_PX = 0.8  # a stretch this much lower than the last one follows a drop


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


def _read_drops(cover, end1: int, start2: int, level1: float, level2: float, width: float, gap: int,
                drawn: np.ndarray | None = None, beside: np.ndarray | None = None):
    """The drop(s) between a stretch ending at column ``end1`` and the next starting at ``start2``;
    ``gap``: the longest gap between a dashed line's dashes (0 for a solid line); ``beside``: the
    other curves' ink, which may hide one side of a vertical line (:func:`_vertical_line`).

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
            where = _vertical_centre(cover, _line_cols(col, width), reached, low, width, where, beside)
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
            drops += _unseen_drop(cover, end1 if known_at <= end1 else known_at, start2, reached, level2, width, drawn,
                                  beside)
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
                 drawn: np.ndarray | None = None, beside: np.ndarray | None = None):
    """A drop no column showed (a dash gap, marks, a line cap running past the corner, an occluder
    such as a legend). Its vertical line, where visible, is within a line cap of the stretches'
    ends: leaving the upper stretch near its end (head), reaching the lower one near its start
    (foot). The parts the line shows are placed there. A line cut by the edge of something drawn
    over it (a legend's frame) goes on under it: the whole drop is there. What no line shows
    happened unseen in between: halfway across, as a drop with no line at all."""
    cap, slack = int(np.ceil(width)) + 2, width + 2
    head = _vertical_line(cover, np.arange(end1 - cap, end1 + cap + 1), level1, level2, width, "top", beside)
    foot = _vertical_line(cover, np.arange(start2 - cap, start2 + cap + 1), level1, level2, width, "bottom", beside)
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


def _vertical_centre(cover, cols: np.ndarray, top: float, bottom: float, width: float, fallback: float,
                     beside: np.ndarray | None = None) -> float:
    """The column of a drop's vertical line among ``cols`` (see :func:`_vertical_line`), or ``fallback``."""
    line = _vertical_line(cover, cols, top, bottom, width, beside=beside)
    return fallback if line is None else line[0]


def _vertical_line(cover, cols: np.ndarray, top: float, bottom: float, width: float,
                   end: str | None = None, beside: np.ndarray | None = None) -> tuple[float, int, int] | None:
    """A drop's vertical line among ``cols``, from rows clear of both stretches that hold ink: its
    column, the median over those rows of each row's coverage-weighted centre (so a censor mark's
    stem or bar beside a few rows of the line does not pull it), and its first and last row with ink.
    With ``end`` "top" or "bottom", only the unbroken run of inked rows from that end counts (other
    ink in the window, such as text, is not part of the line). Rows where ``beside`` (another curve
    drawn over this one) hides one side of the line are centred from their free side
    (:func:`_hidden_side_centred`)."""
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
    centres = weight[inked] @ cols / weight[inked].sum(axis=1)
    if beside is not None:
        centres = _hidden_side_centred(centres, weight[inked], beside[rows][:, cols], cols, width)
    return float(np.median(centres)), int(rows[0]), int(rows[-1])


def _hidden_side_centred(centres: np.ndarray, weight: np.ndarray, other: np.ndarray, cols: np.ndarray,
                         width: float) -> np.ndarray:
    """Each row's centre of a vertical line whose one side another curve drawn over it hides: half
    the line's width from the free edge, read to a fraction of a pixel from its anti-aliased
    coverage (the coverage-weighted centre of what shows lies half the hidden part off, towards the
    free side). A row is so hidden where its ink is one piece a pixel or more narrower than the line,
    clear of any ink for two columns on one side, and the other curve's ink covers every column the
    rest of the line would. The line's width is its widest row's ink (up to ``width``): a line
    thinner than the curve's (a mark's stem drawn with a thinner pen) beside another curve is whole."""
    line = min(float(weight.sum(axis=1).max(initial=0.0)), width)
    out = centres.copy()
    for k, (row, hides) in enumerate(zip(weight, other)):
        ink, full = np.flatnonzero(row >= MIN_COVERAGE), np.flatnonzero(row >= 0.9)
        if len(full) == 0 or row.sum() > line - 1 or ink[0] == 0 or ink[-1] == len(row) - 1 or \
                ink[-1] - ink[0] + 1 > len(ink):  # one piece of ink, not at the window's edge
            continue
        left, right = ink[0], ink[-1]
        if not hides[max(left - 2, 0):left].any() and hides[right + 1]:
            centre = cols[full[0]] + 0.5 - _soft_run(row[:full[0] + 1][::-1]).sum() + line / 2
            rest = (cols > cols[right]) & (cols < centre + line / 2 - 0.5)
        elif not hides[right + 1:right + 3].any() and hides[left - 1]:
            centre = cols[full[-1]] - 0.5 + _soft_run(row[full[-1]:]).sum() - line / 2
            rest = (cols < cols[left]) & (cols > centre - line / 2 + 0.5)
        else:
            continue
        if hides[rest].all():
            out[k] = centre
    return out


def _soft_run(coverage: np.ndarray) -> np.ndarray:
    """The coverage from a full pixel outwards up to the first pixel without ink: the line's edge."""
    blank = np.flatnonzero(coverage <= 0)
    return coverage[:blank[0]] if len(blank) else coverage


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
