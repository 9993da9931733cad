"""How thick a curve's line is drawn, and how tall its censor marks and dash gaps: the scales
every other reading step is measured in, read off the arm's ink mask.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .axes import runs

MARK_RUNS, MARK_EXTRA_PX = 4, 10  # a censor mark is at most this high: MARK_RUNS * width + MARK_EXTRA_PX
FLAT_MIN_COLS = 8  # a flat stretch of line is at least this many columns long,
FLAT_STROKES = 3  # and this many thinnest strokes long; the line is thinner than this many thinnest strokes
CROWDED_SHARE = 0.5  # marks crowd a curve when its commonest stem shows in this share of its columns
FULL_COVER = 0.9  # a pixel this covered is the pen's own, not a soft edge


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


def line_width(mask: np.ndarray, cover: np.ndarray | None = None) -> float:
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
    crowded marks) it is the thinnest stroke. A line hidden under another curve but for its marks
    and a 1 px sliver beside it shows its width only between the stems of a band of thin-pen marks
    (``cover`` given, :func:`_core_between_stems`): that is the line when thicker than the width
    read otherwise (the sliver's) and drawn with a much thicker pen than its marks (FLAT_STROKES
    thinnest strokes); between thicker stems the marks' bars join the line (survminer's ``+``)."""
    thinnest = thinnest_stroke(mask)
    width = _width_of_flat_runs(mask, thinnest)
    core = _core_between_stems(mask, cover) if cover is not None else 0
    return float(core) if core > width and core >= FLAT_STROKES * thinnest else width


def _width_of_flat_runs(mask: np.ndarray, thinnest: float) -> float:
    """The line's thickness read from the flat runs of its ink mask (see :func:`line_width`)."""
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


def _core_between_stems(mask: np.ndarray, cover: np.ndarray) -> int:
    """The commonest thickness of the fully covered ink between the stems of a band of crowded
    thin-pen marks (ggplot's 1 px ``|`` at 300 dpi): there the stems' soft edges, half covered,
    join into a run as tall as a stem, and only the line, passing through, is fully covered. Counted
    in columns whose run is a stem's length but whose fully covered part is under a third of it
    (a stem's own column is fully covered all along), with such a stem on either side; 0 when fewer
    than FLAT_MIN_COLS show one (JPEG's blur leaves soft columns but no band of clean stems)."""
    cols, starts, ends = runs(mask.T)
    stem = _stem_length(ends - starts, 1)
    if stem == 0:
        return 0
    run_of, _ = ndimage.label(mask.T, structure=[[0, 0, 0], [1, 1, 1], [0, 0, 0]])  # 1 + index in runs
    at_stem = np.r_[False, np.abs(ends - starts - stem) <= 1][run_of]
    full_cols, full_starts, full_ends = runs((cover >= FULL_COVER).T & at_stem)
    cores = np.zeros(len(cols), int)
    np.maximum.at(cores, run_of[full_cols, full_starts] - 1, full_ends - full_starts)
    stems = np.zeros(mask.shape[1] + 2, bool)  # columns with a stem fully covered, padded each side
    stems[cols[cores >= stem - 1] + 1] = True
    between = stems[cols] & stems[cols + 2] & (cores > 0) & (cores < stem / FLAT_STROKES)
    return int(np.bincount(cores[between]).argmax()) if between.sum() >= FLAT_MIN_COLS else 0


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
