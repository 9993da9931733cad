"""How thick a curve's line is drawn, and how tall its censor marks and dash gaps: the scales
every other reading step is measured in, read off the arm's ink mask.
"""

from __future__ import annotations

import numpy as np

from .axes import runs

MARK_RUNS, MARK_EXTRA_PX = 4, 10  # a censor mark is at most this high: MARK_RUNS * width + MARK_EXTRA_PX
FLAT_MIN_COLS = 8  # a flat stretch of line is at least this many columns long,
FLAT_STROKES = 3  # and this many thinnest strokes long; the line is thinner than this many thinnest strokes
CROWDED_SHARE = 0.5  # marks crowd a curve when its commonest stem shows in this share of its columns


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
