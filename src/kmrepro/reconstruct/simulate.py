"""What a careful person captures when digitizing a Kaplan-Meier figure, simulated from known IPD.

Used by the benchmark (round trips on real IPD) and by the generators of synthetic trial inputs, so
both share one model of digitization:

* the figure has finite resolution (``width_px`` x ``height_px`` plot area, axes from 0 to a round
  ``t_max`` and from 0 to 1);
* the person clicks the top and the bottom corner of every drop they can see (or, with
  ``top_corners=False``, only the bottom one, as hurried digitizers do); drops closer than
  ``resolve_px`` pixels apart cannot be told apart and are clicked as one sloped run (its first top
  and last bottom corner, with clicks every ``slope_click_px`` pixels along it), and the end of the
  curve is clicked too;
* every click lands with Gaussian noise of ``noise_px`` pixels in each direction;
* the risk table is read at the figure's axis ticks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kmrepro.analysis.km import km_at, number_at_risk


@dataclass(frozen=True)
class Figure:
    """How the figure was drawn and clicked."""

    width_px: int = 900
    height_px: int = 500
    noise_px: float = 0.5
    resolve_px: float = 1.5
    slope_click_px: float = 6.0  # click spacing along a run of unresolvable drops
    top_corners: bool = True  # False: one click per visible drop, at its bottom corner only
    ticks: int = 8  # about this many tick intervals on the time axis


def nice_step(span: float, ticks: int) -> float:
    """A round tick step (1, 2, 2.5, 3, 5 x 10^k) giving about ``ticks`` intervals over ``span``."""
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 3, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def km_drops(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event times with the KM just before and just after each drop."""
    event_times = np.unique(time[event == 1])
    after = km_at(time, event, event_times)
    before = np.concatenate([[1.0], after[:-1]])
    return event_times, before, after


def digitize(
    time: np.ndarray,
    event: np.ndarray,
    rng: np.random.Generator,
    figure: Figure = Figure(),
    t_max: float | None = None,
    tick: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate digitizing the KM curve of (time, event): returns (clicks ``time,survival`` in
    click order, risk table ``time,n_at_risk`` at the axis ticks)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    end = float(time.max())
    tick = tick or nice_step(end, figure.ticks)
    t_max = t_max or tick * math.ceil(end / tick)
    x_scale, y_scale = figure.width_px / t_max, float(figure.height_px)

    t, before, after = km_drops(time, event)
    clicks = [(0.0, 1.0)]
    i = 0
    while i < len(t):
        j = i  # extend the run while the next drop is too close to see apart
        while j + 1 < len(t) and (t[j + 1] - t[j]) * x_scale < figure.resolve_px:
            j += 1
        if figure.top_corners or j > i:
            clicks.append((t[i], before[i]))
        if j > i:  # a run too dense to resolve looks like a slope: click along it
            inner = np.arange(t[i], t[j], figure.slope_click_px / x_scale)[1:]
            clicks += zip(inner, km_at(time, event, inner))
        clicks.append((t[j], after[j]))
        i = j + 1
    clicks.append((end, after[-1] if len(after) else 1.0))
    pts = np.asarray(clicks)
    noisy_t = pts[:, 0] + rng.normal(0, figure.noise_px, len(pts)) / x_scale
    noisy_s = pts[:, 1] + rng.normal(0, figure.noise_px, len(pts)) / y_scale
    curve = pd.DataFrame({"time": noisy_t, "survival": noisy_s})

    ticks = np.arange(0, t_max + tick / 2, tick)
    ticks = ticks[ticks <= end]
    at_risk = pd.DataFrame({"time": ticks, "n_at_risk": number_at_risk(time, ticks)})
    return curve, at_risk
