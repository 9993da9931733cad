"""Arm colours: parsing what the user typed, and how much of each pixel is a given arm's ink.

A pixel on the edge of an anti-aliased line is a mix ``a * colour + (1 - a) * background``. Solving
for the coverage ``a`` (least squares along colour - background) and checking the mix explains the
pixel (small residual) keeps the faint edge pixels, which locate a line to a fraction of a pixel, and
rejects other inks, grid lines and light confidence bands (``a`` well below one half).
"""

from __future__ import annotations

import numpy as np
from PIL import ImageColor
from scipy import ndimage

from .strokes import mark_height

MIN_COVERAGE = 0.5  # a pixel is ink of an arm when at least half covered by it
MAX_RESIDUAL = 0.32  # RGB distance (0-1 scale) the mix may miss the pixel by (JPEG, blending)
NEUTRAL = 0.05  # a background whose channels differ by less than this is grey (or white)
MIN_SATURATION_KEPT = 0.25  # an ink pixel keeps at least this share of its colour's saturation
SAME_COLOUR = 0.12  # two arm colours closer than this cannot be told apart by colour
SHARED = 0.7  # JPEG's coarse colour: no pixel of three holds more than this share of their colour
SPLIT_FLOOR = 0.2  # a thin line split between two pixels covers each by at least this much,
SPLIT_SUM = 0.6  # and the two by at least this much together (R's devices do not snap lines to pixels)


def parse_colour(text: str) -> tuple[float, float, float]:
    """'#RRGGBB', '#RGB' or a CSS colour name -> RGB in [0, 1]; ValueError otherwise."""
    try:
        r, g, b = ImageColor.getrgb(str(text).strip())[:3]
    except ValueError:
        raise ValueError(f"colour {text!r} is neither #RRGGBB nor a colour name") from None
    return (r / 255, g / 255, b / 255)


def hex_colour(rgb) -> str:
    return "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in rgb)


def coverage(area: np.ndarray, colour, background) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel: the share covered by ``colour`` over ``background``, and how far the mix misses."""
    c, bg = np.asarray(colour, np.float32), np.asarray(background, np.float32)
    d = c - bg
    norm = float(d @ d)
    if norm < 1e-6:
        return np.zeros(area.shape[:2], np.float32), np.full(area.shape[:2], np.inf, np.float32)
    diff = area - bg
    a = np.clip(diff @ d / norm, 0.0, 1.0)
    miss = np.linalg.norm(diff - a[..., None] * d, axis=-1)
    return a, miss


def ink_masks(area: np.ndarray, colours: list, background,
              coarse_colour: list[bool] | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """For each colour: its coverage (0 where another colour explains the pixel better) and its ink mask.

    On a grey or white background a mix of a saturated colour is saturated in proportion to its
    coverage; a grey pixel (text, frames, grid lines, their soft edges) is not such a colour's ink
    however small the residual allowed (JPEG blurs colour over two pixels: a quarter is kept).
    ``coarse_colour``: per colour, are its lines 1 px thin in an image that keeps colour at lower
    resolution than lightness (JPEG 4:2:0)? A pixel no colour explains is then read again with its
    colour gathered from its neighbours (:func:`_colour_regathered`), and is that colour's ink if it
    is then at least half covered. (Thicker lines keep their colour in their own pixels.)"""
    covers = _covers(area, colours, background)
    if coarse_colour and any(coarse_colour):
        inked = np.max(covers, axis=0) >= MIN_COVERAGE
        for k, cover in enumerate(_covers(_colour_regathered(area, inked), colours, background)):
            if coarse_colour[k]:
                covers[k] = np.where((covers[k] == 0) & (cover >= MIN_COVERAGE), cover, covers[k])
    off_background = np.square(area - np.asarray(background, np.float32)).sum(axis=-1)
    covers = [split_lines_inked(c, off_background < _square_distance(colour, background) * SPLIT_FLOOR ** 2)
              for c, colour in zip(covers, colours)]
    return covers, [c >= MIN_COVERAGE for c in covers]


def split_lines_inked(cover: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """``cover`` with a thin line drawn across the boundary of two pixel rows (or columns) made ink.

    A renderer that does not snap lines to pixels (R's devices) draws a line of a pixel or less
    centred on a boundary as two pixels each less than half covered: no ink anywhere, and the curve
    vanishes for a stretch. Two adjacent pixels each at least SPLIT_FLOOR covered, together at least
    SPLIT_SUM, with the pixels either side of the pair ``blank`` (background, or less than
    SPLIT_FLOOR of the way from it to the line's colour: a thin line, not a light band, a line drawn
    over one, or the soft edge of a thicker line), in a run of such pairs along the line longer than
    the tallest censor mark on a 1 px line (a mark's bar, or a piece of a steep staircase of drops,
    left out as before: read as ink they were taken for steps) are such a line: the more covered of
    the two is raised to MIN_COVERAGE, the other kept, so the line is one pixel thick and its
    coverage-weighted centre stays between the two."""
    out = cover.copy()
    for axis in (0, 1):
        c = np.moveaxis(cover, axis, 0)
        o = np.moveaxis(out, axis, 0)  # a view: writes go to ``out``
        weak = (c >= SPLIT_FLOOR) & (c < MIN_COVERAGE)
        clear = np.pad(np.moveaxis(blank, axis, 0), [(1, 1), (0, 0)], constant_values=True)
        first, second = c[:-1], c[1:]
        pair = weak[:-1] & weak[1:] & (first + second >= SPLIT_SUM) & clear[:-3] & clear[3:]
        pieces, _ = ndimage.label(pair, structure=[[0, 0, 0], [1, 1, 1], [0, 0, 0]])  # runs along the line
        pair &= (pieces > 0) & (np.bincount(pieces.ravel()) > mark_height(1.0))[pieces]
        o[:-1][pair & (first >= second)] = MIN_COVERAGE
        o[1:][pair & (first < second)] = MIN_COVERAGE
    return out


def _square_distance(colour, background) -> float:
    """Squared RGB distance of ``colour`` from the background (squared: no root per pixel to compare)."""
    return float(np.square(np.asarray(colour, np.float32) - np.asarray(background, np.float32)).sum())


def _covers(area: np.ndarray, colours: list, background) -> list[np.ndarray]:
    """Per colour, each pixel's coverage by it where the mix explains the pixel (see :func:`ink_masks`)."""
    fits = [coverage(area, c, background) for c in colours]
    misses = np.stack([m for _, m in fits])
    best = misses.argmin(axis=0)
    pixel_spread = area.max(axis=-1) - area.min(axis=-1)
    neutral_background = np.ptp(np.asarray(background)) < NEUTRAL
    covers = []
    for k, (a, miss) in enumerate(fits):
        ok = (miss <= MAX_RESIDUAL) & ((best == k) | (misses.min(axis=0) + 1e-6 >= miss))
        if neutral_background:
            ok &= pixel_spread >= MIN_SATURATION_KEPT * a * np.ptp(np.asarray(colours[k]))
        covers.append(np.where(ok, a, 0.0))
    return covers


def _colour_regathered(area: np.ndarray, inked: np.ndarray) -> np.ndarray:
    """Each pixel's own lightness with the colour (RGB less lightness) of its column or row of three
    pixels added up, where that colour is shared out among them (no pixel holds more than SHARED of
    it) and none of them is ``inked`` already. JPEG keeps colour at half resolution (4:2:0): a 1 px
    coloured line keeps its darkness, but its colour is shared with the next row or column, and its
    own pixels come out too grey to be read as the line's colour. A grey pixel beside ink that has
    its colour whole (text by a curve, the edge of a thicker line or mark) stays grey. Elsewhere the
    pixel is returned as it is."""
    lightness = area @ np.array([0.299, 0.587, 0.114], np.float32)
    colour = area - lightness[..., None]
    strength = np.linalg.norm(colour, axis=-1)
    best, best_norm = area, np.zeros(area.shape[:2], np.float32)
    for axis in (0, 1):
        total = ndimage.uniform_filter1d(colour, 3, axis=axis, mode="nearest") * 3
        norm = np.linalg.norm(total, axis=-1)
        shared = (ndimage.maximum_filter1d(strength, 3, axis=axis, mode="nearest") <= SHARED * norm) & \
            ~ndimage.maximum_filter1d(inked, 3, axis=axis, mode="nearest")
        better = shared & (norm > best_norm)
        best = np.where(better[..., None], np.clip(lightness[..., None] + total, 0.0, 1.0), best)
        best_norm = np.where(better, norm, best_norm)
    return best


def find_colours(area: np.ndarray, background, count: int) -> list[tuple[float, float, float]]:
    """The ``count`` commonest strong inks of the plot area (saturated or near black), commonest first.

    Grey pixels (grid lines, anti-aliased text edges) are left out; each colour found is the mean of
    the pixels near its histogram peak, and peaks closer than SAME_COLOUR*2 merge.
    """
    pixels = area.reshape(-1, 3)
    spread = pixels.max(axis=1) - pixels.min(axis=1)
    lum = pixels @ np.array([0.299, 0.587, 0.114], np.float32)
    far = np.linalg.norm(pixels - np.asarray(background, np.float32), axis=1) > 0.3
    strong = far & ((spread > 0.25) | (lum < 0.2))
    pixels = pixels[strong]
    quantized = (pixels * 15).round().astype(np.int32)
    codes = quantized[:, 0] * 256 + quantized[:, 1] * 16 + quantized[:, 2]
    values, counts = np.unique(codes, return_counts=True)
    found: list[np.ndarray] = []
    for code in values[np.argsort(counts, kind="stable")[::-1]]:
        centre = np.array([code // 256, code // 16 % 16, code % 16], np.float32) / 15
        if any(np.linalg.norm(centre - f) < 2 * SAME_COLOUR for f in found):
            continue
        near = np.linalg.norm(pixels - centre, axis=1) < 0.1
        found.append(pixels[near].mean(axis=0))
        if len(found) == count:
            break
    return [tuple(float(v) for v in f) for f in found]
