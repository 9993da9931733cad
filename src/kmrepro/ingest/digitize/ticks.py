"""Tick marks and the linear pixel -> value map of each axis, from the labelled ticks the user typed.

Tick marks are short dark strokes touching an axis (outside it, or inside when none are outside). The
user gives the labelled ticks (first, last, step), so we know how many evenly spaced marks to find:
among the marks found we pick the evenly spaced subset of that size, preferring long (major) marks and
the widest span, which skips minor ticks. A least-squares line through the chosen marks gives the map;
its largest residual (in pixels) is reported, and ticks that fit no evenly spaced set of marks, or an
axis with more such marks than were given, are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmrepro.errors import InputError

from .axes import Edge, line_ink

BAND_PX = 3  # a tick mark touches the axis: look this many pixels beside it
MAX_TICK_PX = 20
MAX_RESIDUAL_PX = 1.5


@dataclass(frozen=True)
class Ticks:
    """Labelled ticks as typed: first, last, step."""

    start: float
    end: float
    step: float

    @property
    def values(self) -> np.ndarray:
        count = round((self.end - self.start) / self.step) + 1
        return self.start + self.step * np.arange(count)

    def __str__(self) -> str:
        return f"{self.start:g}:{self.end:g}:{self.step:g}"


def parse_ticks(text: str, what: str = "ticks") -> Ticks:
    """``START:END:STEP`` -> Ticks; ValueError naming the problem (the caller knows the source)."""
    parts = str(text).split(":")
    try:
        start, end, step = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{what} {text!r} must be START:END:STEP, three numbers") from None
    if not (np.isfinite([start, end, step]).all() and step > 0 and end > start):
        raise ValueError(f"{what} {text!r} must have END > START and STEP > 0")
    count = (end - start) / step
    if abs(count - round(count)) > 1e-6 * max(1.0, count):
        raise ValueError(f"{what} {text!r}: END - START is not a whole number of steps")
    if round(count) > 100:
        raise ValueError(f"{what} {text!r} gives {round(count) + 1} ticks; give only the labelled ones")
    return Ticks(start, end, step)


@dataclass(frozen=True)
class Calibration:
    """pixel = intercept + slope * value, from ``marks`` (pixel positions of the labelled ticks)."""

    intercept: float
    slope: float
    marks: tuple[float, ...]
    values: tuple[float, ...]
    residual_px: float  # largest |fitted - found| over the marks

    def to_value(self, px):
        return (np.asarray(px, dtype=float) - self.intercept) / self.slope

    def to_px(self, value):
        return self.intercept + self.slope * np.asarray(value, dtype=float)

    def as_dict(self) -> dict:
        return {"ticks": [float(v) for v in self.values], "tick_px": [round(m, 2) for m in self.marks],
                "px_per_unit": round(self.slope, 6), "residual_px": round(self.residual_px, 3)}


def tick_marks(ink: np.ndarray, edge: Edge, vertical_axis: bool) -> list[tuple[float, int]]:
    """(position, length in px) of the marks touching one axis, outside it or else inside it.

    ``ink`` is the image's darkness; a mark's position is its darkness-weighted centre (sub-pixel)."""
    if vertical_axis:  # work on the transpose: the y axis's ticks are horizontal strokes
        ink = ink.T
    dark = line_ink(ink, across=1)  # marks are strokes across the axis
    found: list[tuple[float, int]] = []
    for direction, first in ((1, edge.outside), (-1, edge.inside)):
        if not vertical_axis:
            rows = first + direction * np.arange(MAX_TICK_PX)
        else:  # the outside of the y axis is to the left (decreasing columns)
            rows = first - direction * np.arange(MAX_TICK_PX)
        rows = rows[(rows >= 0) & (rows < dark.shape[0])]
        if len(rows) < BAND_PX:
            continue
        lo, hi = max(edge.start - 3, 0), min(edge.end + 4, dark.shape[1])
        strip = dark[rows][:, lo:hi]
        touching = strip[:BAND_PX].sum(axis=0) >= 2
        length = np.argmin(np.vstack([strip, np.zeros((1, strip.shape[1]), bool)]), axis=0)
        cols = np.flatnonzero(touching)
        groups = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1) if len(cols) else []
        weight = ink[rows[:BAND_PX]][:, lo:hi].sum(axis=0)
        found = []
        for g in groups:
            if len(g) > 6:
                continue
            span = np.arange(max(g[0] - 1, 0), min(g[-1] + 2, len(weight)))
            found.append((lo + float(np.average(span, weights=weight[span])), int(length[g].max())))
        if len(found) >= 2:
            return found
    return found


def calibrate(marks: list[tuple[float, int]], ticks: Ticks, path: str | Path, axis: str) -> Calibration:
    """Match the typed ticks to evenly spaced marks and fit the line; InputError when they do not fit.

    Values grow rightwards on the x axis and upwards (towards row 0) on the y axis."""
    values = ticks.values
    n = len(values)
    sign = -1.0 if axis == "y" else 1.0
    order = np.argsort([sign * m[0] for m in marks], kind="stable")
    marks = [marks[i] for i in order]
    positions = np.array([sign * m[0] for m in marks])
    lengths = np.array([m[1] for m in marks])
    best = None
    for a in range(len(marks)):
        for b in range(a + 1, len(marks)):
            spacing = (positions[b] - positions[a]) / (n - 1)
            if spacing < 3:
                continue
            predicted = positions[a] + spacing * np.arange(n)
            nearest = np.abs(positions[None, :] - predicted[:, None]).argmin(axis=1)
            if np.abs(positions[nearest] - predicted).max() > max(1.5, 0.08 * spacing) or len(set(nearest)) < n:
                continue
            score = (lengths[nearest].min(), lengths[nearest].sum(), positions[b] - positions[a])
            if best is None or score > best[0]:
                best = (score, nearest, spacing)
    shown = ", ".join(f"{sign * p:.0f}" for p in positions[:12]) or "none"
    if best is None:
        raise InputError(path, f"{axis} ticks {ticks} ({n} ticks) do not fit the tick marks found on the {axis} axis "
                               f"(at px {shown})")
    _, chosen, spacing = best
    major = lengths[chosen].min()
    for beyond in (positions[chosen[0]] - spacing, positions[chosen[-1]] + spacing):
        extra = (np.abs(positions - beyond) <= max(1.5, 0.08 * spacing)) & (lengths >= major)
        if extra.any():
            raise InputError(path, f"{axis} ticks {ticks} ({n} ticks) leave out tick marks of the {axis} axis "
                                   f"(another at px {sign * positions[extra][0]:.0f}); give every labelled tick")
    found = sign * positions[chosen]
    slope, intercept = np.polyfit(values, found, 1)
    residual = float(np.abs(intercept + slope * values - found).max())
    if residual > MAX_RESIDUAL_PX:
        raise InputError(path, f"{axis} ticks {ticks} do not fit the tick marks found on the {axis} axis "
                               f"(residual {residual:.1f} px)")
    return Calibration(float(intercept), float(slope), tuple(float(p) for p in found),
                       tuple(float(v) for v in values), residual)
