"""Where the curves are drawn: the axis lines (or a ggplot-style panel) and the plot area they bound.

The axes are found as long straight dark lines: the y axis is the leftmost long vertical line that has
a long horizontal line (the x axis) at or just below its lower end. That covers boxed plots (the box's
left and bottom sides), L-shaped axes, and offset axes that do not meet in the corner. Figures without
axis lines (ggplot's grey panel) are bounded by the panel instead. Nothing is assumed about where 0
lies: the pixel -> value map comes from the tick marks (:mod:`.ticks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmrepro.errors import InputError

from .image import darkness

DARK = 0.4  # darkness of axis ink (black, grey20) in an anti-aliased line
LONG_LINE = 0.3  # an axis line spans at least this share of the image
PANEL_SHARE = 0.12  # a plain panel colour covers at least this share of the image


@dataclass(frozen=True)
class Line:
    """A straight line: ``lo``..``hi`` across its thickness, ``start``..``end`` along it (inclusive)."""

    lo: int
    hi: int
    start: int
    end: int


@dataclass(frozen=True)
class Edge:
    """Where one axis's tick marks are looked for: the first pixel row (column) outside the axis and
    inside it, and the extent along the axis."""

    outside: int
    inside: int
    start: int
    end: int


@dataclass(frozen=True)
class PlotArea:
    top: int
    bottom: int
    left: int
    right: int  # inclusive bounds of the area the curves are read from
    x_edge: Edge
    y_edge: Edge
    kind: str  # "axis lines" or "panel"
    background: tuple[float, float, float]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "top": self.top, "bottom": self.bottom, "left": self.left, "right": self.right,
                "background": "#%02x%02x%02x" % tuple(round(255 * c) for c in self.background)}


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True along each row: (row, first column, one past the last column)."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    return rows, starts, ends


def line_ink(ink: np.ndarray, across: int) -> np.ndarray:
    """Pixels of dark lines running perpendicular to axis ``across`` of the darkness image ``ink``.

    A thin line drawn half way between two pixels (a 0.5 pt frame at 96 dpi) is spread over both
    and dark in neither; two such neighbours across the line, each a third as dark as a line pixel
    and together as dark, count as line too."""
    dark = ink > DARK
    pale = np.where(dark, 0.0, ink)
    pad = [(0, 0), (0, 0)]
    pad[across] = (1, 1)
    padded = np.pad(pale, pad)
    length = pale.shape[across]
    before = np.take(padded, np.arange(length), axis=across)
    after = np.take(padded, np.arange(2, length + 2), axis=across)
    pair = np.maximum(np.where(before >= DARK / 3, before, 0.0), np.where(after >= DARK / 3, after, 0.0))
    return dark | ((pale >= DARK / 3) & (pale + pair >= DARK))


def long_lines(mask: np.ndarray, min_length: int) -> list[Line]:
    """Rows of ``mask`` holding a run of at least ``min_length``, adjacent rows merged into one thick line."""
    rows, starts, ends = runs(mask)
    keep = ends - starts >= min_length
    lines: list[Line] = []
    for r, s, e in sorted(zip(rows[keep], starts[keep], ends[keep] - 1)):
        last = lines[-1] if lines else None
        if last and r - last.hi <= 1 and s <= last.end and e >= last.start:
            lines[-1] = Line(last.lo, int(r), min(last.start, int(s)), max(last.end, int(e)))
        else:
            lines.append(Line(int(r), int(r), int(s), int(e)))
    return lines


def find_plot_area(rgb: np.ndarray, path: str | Path) -> PlotArea:
    """The plot area and axis edges of the figure; InputError when there are neither axes nor a panel."""
    h, w = rgb.shape[:2]
    ink = darkness(rgb)
    found = _from_axis_lines(line_ink(ink, across=0), line_ink(ink, across=1), h, w)
    if found is None:
        found = _from_panel(rgb, h, w)
    if found is None:
        raise InputError(path, "no axes found: no long horizontal and vertical axis lines (nor a plot panel) in the image")
    top, bottom, left, right, x_edge, y_edge, kind = found
    if bottom - top < 20 or right - left < 20:
        raise InputError(path, f"no axes found: the plot area found ({right - left}x{bottom - top} px) is too small")
    return PlotArea(top, bottom, left, right, x_edge, y_edge, kind, _background(rgb[top:bottom + 1, left:right + 1]))


def _from_axis_lines(rows_ink: np.ndarray, cols_ink: np.ndarray, h: int, w: int):
    """``rows_ink``, ``cols_ink``: :func:`line_ink` for horizontal and for vertical lines."""
    horizontal = long_lines(rows_ink, int(LONG_LINE * w))
    vertical = long_lines(cols_ink.T, int(LONG_LINE * h))
    for y_axis in vertical:  # leftmost first
        below = [
            line for line in horizontal
            if y_axis.end - max(12, 0.03 * h) <= line.lo <= y_axis.end + 0.15 * h  # a tick may extend the y axis
            and line.start <= y_axis.hi + 0.1 * w and line.end >= y_axis.hi + LONG_LINE * w
        ]
        if not below:
            continue
        x_axis = max(below, key=lambda line: line.lo)
        right_side = [v for v in vertical if v is not y_axis and abs(v.lo - x_axis.end) <= 3]
        top_side = [line for line in horizontal if line is not x_axis and abs(line.lo - y_axis.start) <= 3]
        margin_x, margin_y = max(4, int(0.03 * w)), max(4, int(0.03 * h))
        right = right_side[0].lo - 1 if right_side else min(w - 1, x_axis.end + margin_x)
        top = top_side[0].hi + 1 if top_side else max(0, y_axis.start - margin_y)
        x_edge = Edge(x_axis.hi + 1, x_axis.lo - 1, y_axis.lo, right)
        y_edge = Edge(y_axis.lo - 1, y_axis.hi + 1, top, x_axis.hi)
        return top, x_axis.lo - 1, y_axis.hi + 1, right, x_edge, y_edge, "axis lines"
    return None


def _from_panel(rgb: np.ndarray, h: int, w: int):
    """A plot panel of one plain colour (ggplot's grey): its bounding box, ticks outside its edges."""
    quantized = (rgb * 31).round().astype(np.int32)
    codes = quantized[..., 0] * 1024 + quantized[..., 1] * 32 + quantized[..., 2]
    values, counts = np.unique(codes, return_counts=True)
    order = np.argsort(counts)[::-1]
    white = 31 * 1024 + 31 * 32 + 31
    panel = next((values[i] for i in order[:3] if values[i] != white and counts[i] >= PANEL_SHARE * h * w), None)
    if panel is None:
        return None
    mask = codes == panel
    rows = np.flatnonzero(mask.sum(axis=1) >= LONG_LINE * w)
    cols = np.flatnonzero(mask.sum(axis=0) >= LONG_LINE * h)
    if len(rows) < 20 or len(cols) < 20:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    x_edge = Edge(bottom + 1, bottom, left, right)
    y_edge = Edge(left - 1, left, top, bottom)
    return top, bottom, left, right, x_edge, y_edge, "panel"


def _background(area: np.ndarray) -> tuple[float, float, float]:
    """The commonest colour of the plot area (white, or the panel's grey)."""
    quantized = (area.reshape(-1, 3) * 255).round().astype(np.int32)
    codes = quantized[:, 0] * 65536 + quantized[:, 1] * 256 + quantized[:, 2]
    values, counts = np.unique(codes, return_counts=True)
    code = int(values[np.argmax(counts)])
    return (code // 65536 / 255, code // 256 % 256 / 255, code % 256 / 255)
