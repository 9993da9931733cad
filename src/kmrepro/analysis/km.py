"""The Kaplan-Meier product-limit estimate as a plain step function, and R's rule for its median.

Fast evaluation for the reconstruction's diagnostics, the digitizer simulation, plots and
benchmarks. Confidence bands and the published-style summaries are in :mod:`kmrepro.analysis.survival`,
which uses lifelines and matches R's ``survival`` package.
"""

from __future__ import annotations

import math

import numpy as np

#: survival:::survmean treats values within sqrt(machine epsilon) of 0.5 as "at 0.5".
HALF_TOLERANCE = math.sqrt(np.finfo(float).eps)


def km_at(ipd_time: np.ndarray, ipd_event: np.ndarray, at: np.ndarray, left: bool = False) -> np.ndarray:
    """Kaplan-Meier estimate at the times ``at``: S(t), or S(t-) just before them with ``left``."""
    order = np.argsort(ipd_time, kind="stable")
    t, e = ipd_time[order], ipd_event[order]
    uniq, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(e, first) if len(t) else np.array([])
    at_risk = len(t) - first
    surv = np.cumprod(1.0 - deaths / at_risk)
    idx = np.searchsorted(uniq, at, side="left" if left else "right") - 1
    return np.where(idx >= 0, surv[np.clip(idx, 0, None)] if len(surv) else 1.0, 1.0)


def number_at_risk(time: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many of the patients with times ``time`` are still at risk (time >= t) at each of ``at``:
    what a figure's risk table prints."""
    ordered = np.sort(np.asarray(time, float))
    return len(ordered) - np.searchsorted(ordered, np.asarray(at, float), side="left")


def first_below_half(time: np.ndarray, y: np.ndarray) -> float | None:
    """The time a curve first reaches 0.5, by survival:::survmean's rule.

    Used for the KM median, its CI (applied to the lower/upper bands) and the reverse-KM follow-up.
    If the curve sits exactly at 0.5 on a plateau, R returns the midpoint of that plateau.
    """
    keep = ~np.isnan(y) & (y < 0.5 + HALF_TOLERANCE)
    if not keep.any():
        return None
    x, y = time[keep], y[keep]
    later = np.flatnonzero(y < y[0])
    if abs(y[0] - 0.5) < HALF_TOLERANCE and later.size:
        return float((x[0] + x[later[0]]) / 2)
    return float(x[0])


def km_median(time: np.ndarray, event: np.ndarray) -> float | None:
    """The KM median by R's rule (None when the curve never reaches one half)."""
    grid = np.unique(time)
    return first_below_half(grid, km_at(time, event, grid))
