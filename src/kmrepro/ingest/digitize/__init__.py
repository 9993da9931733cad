"""Automatic digitization of Kaplan-Meier figures: from a PNG or JPEG to each arm's curve.

The user gives only what the figure prints: the labelled ticks of each axis and each arm's colour
(and line style when two arms share a colour). Everything else is found in the image: the plot area
and axis lines (:mod:`.axes`), the tick marks and the pixel -> value map (:mod:`.ticks`), each arm's
ink with its anti-aliased edges (:mod:`.colours`) less its legend key (:mod:`.legend`) and any text
in its colour, the curve as a monotone staircase, hidden stretches and dash patterns included
(:mod:`.trace`, reading the line's width from :mod:`.strokes`, its candidate levels from
:mod:`.candidates`, keeping censor marks off it with :mod:`.marks`, its drops with :mod:`.drops`
and its final drop with :mod:`.ending`), and the censor marks reported (:mod:`.censor`). Output per arm is
the top and bottom corner of every drop (``time,survival``), which ``kmrepro reconstruct`` reads as a
careful corner-by-corner hand digitization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage

from kmrepro.errors import InputError
from kmrepro.io import write_bytes_atomic, write_csv_atomic, write_json_atomic

from .axes import PlotArea, find_plot_area, runs
from .candidates import LINE, Candidates, candidates
from .censor import censor_marks, mark_hang
from .colours import MIN_COVERAGE, SAME_COLOUR, find_colours, hex_colour, ink_masks, parse_colour
from .image import colour_at_half_resolution, darkness, load_image
from .legend import legend_keys
from .overlay import draw_overlay
from .strokes import crowded_stem, line_width, mark_height, thinnest_stroke
from .ticks import Calibration, Ticks, calibrate, parse_ticks, tick_marks
from .trace import Curve, falling_with, trace_curve

__all__ = ["ArmSpec", "Digitization", "digitize_image", "parse_arm", "parse_ticks", "survival_at", "write_outputs"]

DRAWN = 0.05  # a pixel this far from the background colour has something drawn on it
MIN_INK_PX = 20  # fewer pixels of a colour than this in the plot area: the colour is not there
LINE_STYLES = ("solid", "dashed")
SOLID_COVERAGE = 0.85  # a solid curve has ink in at least this share of its columns
MAX_UNEXPLAINED = 0.25  # more of the unbroken ink than this off the solid curve: two solid curves
MIN_DASHES = 3
LONG_PIECE = 0.3  # a piece of curve ink spanning this share of the plot's width is a curve
MIN_STROKE_PX, MIN_STROKE_SHARE = 10, 0.02  # a shorter piece at least this long (px, share of the plot)...
STROKE_SHARE = 0.6  # ...is a curve if an arm's ink runs on steadily across this share of its columns
SOLID_SPAN = 0.25  # a connected piece of ink this wide (share of the plot) is a solid line, not a dash,
MAX_DASH_WIDTHS = 12  # and so is one this many line widths wide (dashes are 3-5 widths long, gaps 1.5-4)
MAX_CLOSE = 0.15  # two curves of one colour within a mark's height of each other over more of their columns:
DASHES_EVERY = 60  # whose ink is whose cannot be told; a dashed curve shows a dash at least every 60 widths


@dataclass(frozen=True)
class ArmSpec:
    name: str
    rgb: tuple[float, float, float]
    style: str | None = None  # "solid", "dashed", or None when the colour is the arm's own


def parse_arm(text: str) -> ArmSpec:
    """``NAME=COLOUR[:solid|dashed]`` -> ArmSpec; ValueError naming the problem."""
    name, sep, rest = str(text).rpartition("=")
    if not sep or not name.strip():
        raise ValueError(f"arm {text!r} must be NAME=COLOUR[:solid|dashed]")
    colour, _, style = rest.partition(":")
    if style and style not in LINE_STYLES:
        raise ValueError(f"arm {text!r}: line style {style!r} must be solid or dashed")
    return ArmSpec(name, parse_colour(colour), style or None)


@dataclass
class DigitizedArm:
    name: str
    rgb: tuple[float, float, float]
    style: str | None
    points: pd.DataFrame  # time,survival: the top and bottom corner of every drop, in the axes' units
    censored: np.ndarray  # times of the censor marks found
    x_coverage: float  # share of the curve's columns where its own ink was read
    hidden: list[tuple[float, float]]  # time ranges read from the curve drawn over this one
    line_width_px: float

    def summary(self) -> dict:
        return {
            "colour": hex_colour(self.rgb), "line_style": self.style or "solid", "points": len(self.points),
            "time_range": [round(float(self.points.time.iloc[0]), 6), round(float(self.points.time.iloc[-1]), 6)],
            "x_coverage": round(self.x_coverage, 4), "line_width_px": round(self.line_width_px, 2),
            "hidden_stretches": [[round(a, 6), round(b, 6)] for a, b in self.hidden],
            "censor_marks": len(self.censored), "censored_times": [round(float(t), 6) for t in self.censored],
        }


@dataclass
class Digitization:
    image: str
    plot_area: PlotArea
    x_calibration: Calibration
    y_calibration: Calibration
    arms: list[DigitizedArm]
    notes: list[str] = field(default_factory=list)
    rgb: np.ndarray | None = field(default=None, repr=False)

    def report(self) -> dict:
        return {
            "image": self.image, "plot_area": self.plot_area.as_dict(),
            "calibration": {"x": self.x_calibration.as_dict(), "y": self.y_calibration.as_dict()},
            "arms": {arm.name: arm.summary() for arm in self.arms}, "notes": self.notes,
        }


def digitize_image(
    path: str | Path,
    x_ticks: Ticks | str,
    y_ticks: Ticks | str,
    arms: list[ArmSpec] | None = None,
    n_arms: int | None = None,
) -> Digitization:
    """Digitize every arm of the KM figure at ``path``; InputError (naming the file) on bad input.

    Give ``arms`` (name, colour, style), or only ``n_arms`` to find that many curve colours.
    """
    x_ticks = x_ticks if isinstance(x_ticks, Ticks) else parse_ticks(x_ticks, "x ticks")
    y_ticks = y_ticks if isinstance(y_ticks, Ticks) else parse_ticks(y_ticks, "y ticks")
    rgb = load_image(path)
    area = find_plot_area(rgb, path)
    dark = darkness(rgb)
    x_cal = calibrate(tick_marks(dark, area.x_edge, vertical_axis=False), x_ticks, path, "x")
    y_cal = calibrate(tick_marks(dark, area.y_edge, vertical_axis=True), y_ticks, path, "y")
    plot = rgb[area.top:area.bottom + 1, area.left:area.right + 1]
    notes = []
    if arms is None:
        if not n_arms or n_arms < 1:
            raise ValueError("give arms, or the number of arms to find")
        found = find_colours(plot, area.background, n_arms)
        if len(found) < n_arms:
            raise InputError(path, f"found only {len(found)} distinct curve colour(s), not {n_arms}; give each "
                                   "arm's colour (and :solid/:dashed when two arms share one)")
        arms = [ArmSpec(f"arm{k + 1}", c) for k, c in enumerate(found)]
        notes.append("colours found: " + ", ".join(hex_colour(c) for c in found))
    groups = _colour_groups(arms, path)
    covers, masks = ink_masks(plot, [g[0].rgb for g in groups], area.background)
    if colour_at_half_resolution(path):  # 1 px lines share their colour with their neighbours
        thin = [thinnest_stroke(m) <= 1 for m in masks]
        if any(thin):
            covers, masks = ink_masks(plot, [g[0].rgb for g in groups], area.background, thin)
    for group, mask in zip(groups, masks):
        if mask.sum() < MIN_INK_PX:
            raise InputError(path, f"arm {group[0].name!r}: colour {hex_colour(group[0].rgb)} not found in the plot area")
    # before the glyphs are left out, their strokes may be the thinnest: a reach that joins a curve's
    # pieces, not across a legend's text
    widths = [thinnest_stroke(m) for m in masks]
    for k, key in enumerate(legend_keys(masks, covers, widths, [len(g) > 1 for g in groups])):
        covers[k] = np.where(ndimage.binary_dilation(key), 0.0, covers[k])  # the key and its soft edges
    on_curves = _on_curve_pieces([c >= MIN_COVERAGE for c in covers], covers, widths)
    covers = [np.where(on_curves, c, 0.0) for c in covers]
    masks = [c >= MIN_COVERAGE for c in covers]
    widths = [line_width(m, c) for m, c in zip(masks, covers)]  # the curves' own, without the glyphs' strokes
    ink = np.any(masks, axis=0)
    bands = [crowded_stem(m, w) for m, w in zip(masks, widths)]
    cands = [candidates(m, c, w, under=ink & ~m, band=bands[k], under_band=max(bands[:k] + bands[k + 1:], default=0))
             for k, (m, c, w) in enumerate(zip(masks, covers, widths))]
    drawn = np.abs(plot - np.asarray(area.background, np.float32)).max(axis=-1) > DRAWN
    curves: dict[str, tuple[Curve, np.ndarray]] = {}
    for k, group in enumerate(groups):
        others = Candidates.join([c for j, c in enumerate(cands) if j != k])
        if len(group) == 1:
            curve = trace_curve(cands[k], others, covers[k], widths[k], drawn=drawn & ~masks[k],
                                beside=_faint_ink(covers, k))
            if curve is None:
                raise InputError(path, f"arm {group[0].name!r}: no curve of colour {hex_colour(group[0].rgb)} found")
            curves[group[0].name] = (curve, masks[k])
        else:
            curves.update(_split_by_dashes(group, covers[k], widths[k], others, path, drawn & ~masks[k],
                                           _faint_ink(covers, k)))
    digitized = []
    zero = float(y_cal.to_px(0.0)) - area.top if min(y_ticks.start, y_ticks.end) == 0 else None
    for arm in arms:
        curve, mask = curves[arm.name]
        both_sides = arm.style is not None
        curve = curve.ending_at(zero, mask.shape[0] - 1, ink, mark_hang(curve, mask, both_sides))
        marks = censor_marks(curve, mask, both_sides)
        digitized.append(_to_units(arm, curve, marks, area, x_cal, y_cal, x_ticks, y_ticks))
    if any(np.array_equal(a.points.values, b.points.values) for i, a in enumerate(digitized) for b in digitized[i + 1:]):
        raise InputError(path, "two arms resolve to the same pixels; check the colours and line styles given")
    return Digitization(str(path), area, x_cal, y_cal, digitized, notes, rgb)


def survival_at(points: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """A digitized curve (``time,survival``: the corners of its drops) read as the step function it
    draws: at each time, the survival of the last point at or before it (the first point's before it)."""
    at = np.searchsorted(points.time.to_numpy(), times, side="right") - 1
    return points.survival.to_numpy()[np.clip(at, 0, None)]


def _on_curve_pieces(masks: list[np.ndarray], covers: list[np.ndarray], widths: list[float]) -> np.ndarray:
    """Where curve ink is (with its soft edges): in a long connected piece of all the curves' ink
    together, or in a piece drawn as a curve is (a stroke: one run per column, going on steadily).

    Curves start together at (0, 1) and a hidden stretch touches the curve over it, so the curves
    make one or a few pieces spanning much of the plot; a legend, a label or an annotation can cut
    a curve, and what is left of it beyond is a shorter piece, still a stroke. Text and annotations
    in a curve's colour are short pieces of glyphs and are dropped before tracing.
    Faint ink (a quarter covered) joins pieces, so a thin line blurred by JPEG stays in one piece, and
    so do gaps of up to four line widths (the dashes of a dashed line).
    """
    ink = np.any(masks, axis=0)
    faint = np.max(covers, axis=0) >= 0.25
    reach = max(2, int(np.ceil(2 * max(widths))))
    labels, count = ndimage.label(ndimage.binary_dilation(faint | ink, iterations=reach),
                                  structure=np.ones((3, 3), bool))
    spans = _spans(labels, count)
    keep = spans >= LONG_PIECE * ink.shape[1]
    stroke = (spans >= max(MIN_STROKE_PX, MIN_STROKE_SHARE * ink.shape[1])) & ~keep
    if stroke.any():
        keep |= stroke & (_stroke_share(masks, labels, spans, 2 * reach + 1) >= STROKE_SHARE)
    keep[0] = False
    return keep[labels]


def _faint_ink(covers: list[np.ndarray], k: int) -> np.ndarray:
    """The other colours' ink, with its soft edges (a tenth covered): where the other curves are drawn."""
    others = [c for j, c in enumerate(covers) if j != k]
    return np.max(others, axis=0) >= 0.1 if others else np.zeros(covers[k].shape, bool)


def _spans(labels: np.ndarray, count: int) -> np.ndarray:
    """How many columns each labelled piece spans (index 0, the background, spans none)."""
    spans = np.zeros(count + 1)
    for k, found in enumerate(ndimage.find_objects(labels), start=1):
        if found is not None:
            spans[k] = found[1].stop - found[1].start
    return spans


def _stroke_share(masks, labels: np.ndarray, spans: np.ndarray, gap: int) -> np.ndarray:
    """Per piece, the largest share (over the arms) of its columns where that arm's ink is one run
    centred within a pixel of the one before it (at most ``gap`` columns before: a dash gap): a line
    (with censor marks, centred on it) goes on steadily; glyphs do not."""
    w = labels.shape[1]
    best = np.zeros(len(spans))
    for mask in masks:
        cols, starts, ends = runs(mask.T)
        piece = labels[starts, cols]
        cell, first, counts = np.unique(piece * w + cols, return_index=True, return_counts=True)
        single = counts == 1
        centre = np.where(single, (starts[first] + ends[first]) / 2, np.nan)
        step = np.diff(cell)
        steady = single[1:] & (step <= gap) & (np.abs(np.diff(centre)) <= 1)
        best = np.maximum(best, np.bincount(cell[1:] // w, weights=steady * step, minlength=len(spans))
                          / np.maximum(spans, 1))
    return best


def _colour_groups(arms: list[ArmSpec], path) -> list[list[ArmSpec]]:
    """Arms grouped by colour; a shared colour is allowed only for one solid and one dashed arm."""
    names = [a.name for a in arms]
    if len(set(names)) < len(names):
        raise ValueError(f"arm names must differ: {names}")
    groups: list[list[ArmSpec]] = []
    for arm in arms:
        same = next((g for g in groups if np.linalg.norm(np.subtract(g[0].rgb, arm.rgb)) < SAME_COLOUR), None)
        if same is None:
            groups.append([arm])
            continue
        same.append(arm)
        if len(same) > 2 or sorted(a.style or "" for a in same) != ["dashed", "solid"]:
            listed = " and ".join(f"{a.name!r} ({hex_colour(a.rgb)})" for a in same)
            raise InputError(path, f"arms {listed} resolve to the same pixels; give distinct colours, or "
                                   ":solid and :dashed to two arms of one colour")
    return groups


def _split_by_dashes(group, cover, width, others: Candidates, path, drawn: np.ndarray,
                     beside: np.ndarray) -> dict:
    """Two curves of one colour, one solid and one dashed. A solid line is one connected piece of ink;
    a dashed one falls apart into short dashes. So the solid curve is the largest connected piece (and
    any other piece too long to be a dash: what is left of it beyond a legend), the dashed one the
    rest; each is then traced on its own, the dashed one borrowing the solid's ink where it runs
    under it. When the pieces do not look like one solid and one dashed line, the dashed curve is read
    again from all ink off the solid one's line (:func:`_dashes_off_the_solid_line`); refused if that
    cannot be trusted either."""
    mask = cover >= MIN_COVERAGE
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    sizes[0] = 0
    spans = _spans(labels, count)
    solid_labels = (spans >= SOLID_SPAN * mask.shape[1]) | \
        ((spans >= MAX_DASH_WIDTHS * width) & _beside(labels, count, sizes.argmax(), width))
    solid_labels |= np.arange(count + 1) == sizes.argmax()
    solid_labels[0] = False
    in_solid = solid_labels[labels]
    cover_solid, cover_dashed = np.where(in_solid, cover, 0.0), np.where(in_solid | ~mask, 0.0, cover)
    cands_solid, cands_dashed = _line_candidates(cover_solid, width), _line_candidates(cover_dashed, width)
    solid = trace_curve(cands_solid, others, cover_solid, width, drawn=drawn, beside=beside)
    dashed = trace_curve(cands_dashed, Candidates.join([others, cands_solid]), cover_dashed, width, dashed=True,
                         drawn=drawn)
    names = {a.style: a.name for a in group}
    if solid is None or dashed is None or (dashed.last_col - dashed.first_col) < 0.2 * (solid.last_col - solid.first_col):
        raise InputError(path, f"arms {group[0].name!r} and {group[1].name!r} share a colour but only one curve of it "
                               "was found")
    dashed = falling_with(dashed, solid, cover_dashed >= MIN_COVERAGE)
    longest_gap = int(MAX_DASH_WIDTHS * width)  # longer gaps are hidden stretches, not a dash pattern
    share = (solid.ink_share(cover_solid >= MIN_COVERAGE, longest_gap),
             dashed.ink_share(cover_dashed >= MIN_COVERAGE, longest_gap))
    solid_ink = in_solid & mask
    # the solid curve's line, and the arms of its marks across its falls, which its tracing erased
    solid_line = solid.pixels(mask.shape) | solid.erased
    unexplained = (solid_ink & ~solid_line).sum() / max(solid_ink.sum(), 1)
    dashes = len(np.unique(labels[dashed.pixels(mask.shape) & mask & ~in_solid]))
    why = _not_solid_and_dashed(share, unexplained, dashes)
    if why and share[0] >= SOLID_COVERAGE:
        apart, not_apart = _dashes_off_the_solid_line(solid, solid_line, cover, width,
                                                      Candidates.join([others, cands_solid]), drawn)
        if apart is not None:
            solid_ink, dashed, why = mask, apart, ""
        else:
            why += f"; read from all ink off the solid line instead, {not_apart}"
    if why:
        raise InputError(path, f"arms {names['solid']!r} (solid) and {names['dashed']!r} (dashed) share a colour and "
                               f"their dash patterns cannot be told apart: {why}; digitize this figure by hand "
                               "(curve CSVs, e.g. from WebPlotDigitizer)")
    # each curve's censor marks are read from the colour's ink less the other curve's line (the dashed
    # curve's drops cross the solid one; its marks may touch the solid line and join its piece)
    return {names["solid"]: (solid, solid_ink & ~dashed.pixels(mask.shape)),
            names["dashed"]: (dashed, mask & ~solid_line)}


def _dashes_off_the_solid_line(solid: Curve, solid_line: np.ndarray, cover: np.ndarray, width: float,
                               under: Candidates, drawn: np.ndarray) -> tuple[Curve | None, str]:
    """The dashed curve read from all ink off the solid curve's line, when its dashes join the solid
    curve's piece (through censor marks, or where the curves meet) or marks fill its gaps; or None and
    why not. Whose ink is whose shows only where the curves are apart (more than a mark's height):
    read only if they are that close over at most MAX_CLOSE of their common columns, the dashed curve
    falls apart into dashes along its length (one at least every DASHES_EVERY line widths), and no
    drop of ink is on neither curve (:func:`_unfollowed_drop`)."""
    mask = cover >= MIN_COVERAGE
    cover_dashed = np.where(solid_line | ~mask, 0.0, cover)
    dashed = trace_curve(_line_candidates(cover_dashed, width), under, cover_dashed, width, dashed=True, drawn=drawn)
    if dashed is None:
        return None, "no other curve is left"
    cols = np.arange(max(solid.first_col, dashed.first_col), min(solid.last_col, dashed.last_col) + 1)
    gap = np.abs(solid.level_at(cols) - dashed.level_at(cols))
    close = float(np.mean(gap <= mark_height(width) + width)) if len(cols) else 1.0
    if close > MAX_CLOSE:
        return None, f"the curves are within a mark's height of each other over {close:.0%} of their columns"
    pieces = ndimage.label(cover_dashed >= MIN_COVERAGE, structure=np.ones((3, 3), bool))[0]
    dashes = len(np.unique(pieces[dashed.pixels(mask.shape)])) - 1
    if dashes < max(MIN_DASHES, (dashed.last_col - dashed.first_col) / (DASHES_EVERY * width)):
        return None, f"only {dashes} separate dash(es) of the other curve show"
    unfollowed = _unfollowed_drop(mask, [solid, dashed], width)
    if unfollowed > mark_height(width):
        return None, f"a fall of the ink {unfollowed} px high is on neither curve"
    return dashed, ""


def _unfollowed_drop(mask: np.ndarray, curves: list[Curve], width: float) -> int:
    """The most rows of one vertical run of ink taller than a censor mark (a drop, or a steep fall)
    that no curve passes within half a mark's width of: there a curve was read from the other one's
    ink. Runs past a curve's end are left out (its last drop, to zero, which no stretch follows)."""
    half = int(mark_height(width) / 2)
    near = ndimage.binary_dilation(np.any([c.pixels(mask.shape) for c in curves], axis=0),
                                   structure=np.ones((1, 2 * half + 1), bool))
    cols, starts, ends = runs(mask.T)
    tall = (ends - starts > mark_height(width)) & (cols < min(c.last_col for c in curves))
    return max((int((~near[a:b, c]).sum()) for c, a, b in zip(cols[tall], starts[tall], ends[tall])), default=0)


def _not_solid_and_dashed(share: tuple[float, float], unexplained: float, dashes: int) -> str:
    """Why the two traced curves do not look like one solid and one dashed line (empty if they do),
    in the terms of what the figure shows: which of the checks failed, with its measure."""
    if share[0] < SOLID_COVERAGE:
        return f"the solid curve has ink in only {share[0]:.0%} of its columns"
    if share[1] > share[0] - 0.1:
        return (f"the dashed curve has ink in {share[1]:.0%} of its columns, about as many as the solid one "
                f"({share[0]:.0%}): too few dash gaps show")
    if unexplained > MAX_UNEXPLAINED:
        return (f"{unexplained:.0%} of the ink joined to the solid curve is off its line (the dashes join it "
                "through censor marks, or where the curves touch)")
    if dashes < MIN_DASHES:
        return f"only {dashes} separate dash(es) of the dashed curve show"
    return ""


def _line_candidates(cover: np.ndarray, width: float) -> Candidates:
    """Line crossings only: a dash down a drop is mark-high, and would be read as a mark's centre."""
    cands = candidates(cover >= MIN_COVERAGE, cover, width)
    return cands.take(cands.kind == LINE)


def _beside(labels: np.ndarray, count: int, main: int, width: float) -> np.ndarray:
    """Per piece: does it lie mostly (in its columns) outside the columns of piece ``main``, where the
    solid curve can go on? What is left of the solid curve beyond a legend does; a run of dashes
    joined into one piece (R runs the dash pattern on round the steps' corners, and draws marks solid
    over it) runs beside the solid curve, over the same times. A curve never rises: a piece after
    ``main`` reaching no lower than where ``main`` ends (a mark's height allowed), or one before it
    reaching no higher than where it starts, is the dashed curve going on beyond the solid one (after
    its drop to zero, say), not the solid curve."""
    boxes = ndimage.find_objects(labels)
    rows, cols = boxes[main - 1]
    first, last = cols.start, cols.stop
    start_top = rows.start + np.flatnonzero(labels[rows, first] == main).min()
    end_bottom = rows.start + np.flatnonzero(labels[rows, last - 1] == main).max()
    mark = mark_height(width)
    out = np.zeros(count + 1, bool)
    for k, box in enumerate(boxes, start=1):
        if box is not None:
            lo, hi = box[1].start, box[1].stop
            outside = max(0, min(hi, last) - max(lo, first)) <= 0.5 * (hi - lo)
            higher_after = lo >= last - 0.5 * (hi - lo) and box[0].stop - 1 < end_bottom - mark
            lower_before = hi <= first + 0.5 * (hi - lo) and box[0].start > start_top + mark
            out[k] = outside and not higher_after and not lower_before
    return out


def _to_units(arm, curve: Curve, marks, area: PlotArea, x_cal, y_cal, x_ticks: Ticks, y_ticks: Ticks) -> DigitizedArm:
    """Corners of the drops in axis units, clipped to the axes; a curve ending in a drop ends at its foot."""
    cols = [curve.first_col]
    levels = [curve.segments[0][2]]
    for col, before, after in curve.drops:
        cols += [col, col]
        levels += [before, after]
    if not curve.ends_in_drop:
        cols.append(curve.last_col)
        levels.append(curve.level_at([curve.last_col])[0])
    top_px = float(y_cal.to_px(y_ticks.end)) - area.top
    if y_ticks.end in (1.0, 100.0) and levels[0] > top_px + 1.0:  # a drop at the very start: KM starts at 1
        cols.insert(0, curve.first_col)
        levels.insert(0, top_px)
    t = x_cal.to_value(np.asarray(cols) + area.left)
    if x_ticks.start <= 0 <= t[0]:  # a KM curve starts at time 0, whatever hides its first pixels
        t[0] = 0.0                   # (the y axis, censor marks crowding the start, another curve)
    s = y_cal.to_value(np.asarray(levels) + area.top) + 0.0  # no -0.0
    lo, hi = min(y_ticks.start, y_ticks.end), max(y_ticks.start, y_ticks.end)
    points = pd.DataFrame({"time": np.maximum(t, x_ticks.start), "survival": np.clip(s, lo, hi)})
    points["time"] = np.maximum.accumulate(points.time.to_numpy())
    points["survival"] = np.minimum.accumulate(points.survival.to_numpy())
    span = curve.last_col - curve.first_col + 1
    hidden = [tuple(float(v) for v in x_cal.to_value(np.array(h) + area.left)) for h in curve.borrowed]
    censored = np.maximum(x_cal.to_value(np.asarray(marks) + area.left), x_ticks.start) if len(marks) else np.array([])
    return DigitizedArm(arm.name, arm.rgb, arm.style, points, censored, min(curve.own_cols / span, 1.0), hidden, curve.width)


def write_outputs(result: Digitization, out_dir: str | Path, overlay: str | Path | None = None,
                  report: str | Path | None = None) -> None:
    """DIR/<NAME>.csv and DIR/<NAME>_censored.csv per arm, the overlay PNG and the report JSON."""
    out_dir = Path(out_dir)
    for arm in result.arms:
        write_csv_atomic(out_dir / f"{arm.name}.csv", arm.points.round(6))
        write_csv_atomic(out_dir / f"{arm.name}_censored.csv", pd.DataFrame({"time": np.round(arm.censored, 6)}))
    if overlay:
        write_bytes_atomic(overlay, draw_overlay(result.rgb, result))
    if report:
        write_json_atomic(report, result.report())
