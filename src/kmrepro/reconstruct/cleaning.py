"""Turn raw digitizer clicks into a curve the reconstruction can trust.

A Kaplan-Meier curve starts at (0, 1), never rises and stays in [0, 1]; clicks break all three
(click noise, a stray click left of the axis, points in click order). Each step below repairs one
of these and says so in ``notes``, so that a user sees what was changed and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression

#: Two clicks closer than this fraction of the time range are taken as one vertical drop
#: (the top and bottom corner of a step), whatever order they were clicked in.
SAME_TIME_FRACTION = 0.005
MONOTONE_METHODS = ("isotonic", "running-min")
#: A click at time 0 this far below 1 is worth a note (it is dropped either way).
START_TOLERANCE = 0.02


@dataclass(frozen=True)
class CleanCurve:
    """A cleaned curve: starts at (0, 1), times non-decreasing, survival non-increasing in [0, 1]."""

    time: np.ndarray
    survival: np.ndarray
    notes: tuple[str, ...]


def clean_curve(time, survival, monotone: str = "isotonic") -> CleanCurve:
    """Clean digitized points; ``monotone`` picks how rises are removed.

    ``isotonic`` (default) replaces each rising run by its mean (least-squares non-increasing fit),
    so click noise averages out instead of ratcheting the curve down; ``running-min`` keeps the
    lowest value seen so far, which biases survival downward under noise (see benchmarks/).
    """
    if monotone not in MONOTONE_METHODS:
        raise ValueError(f"monotone must be one of {MONOTONE_METHODS}, not {monotone!r}")
    time = np.asarray(time, dtype=float)
    survival = np.asarray(survival, dtype=float)
    notes: list[str] = []

    early = time < 0
    if early.any():
        notes.append(f"{early.sum()} point(s) slightly before time 0 moved to 0 (clicks left of the axis)")
        time = np.where(early, 0.0, time)
    outside = (survival < 0) | (survival > 1)
    if outside.any():
        notes.append(f"{outside.sum()} survival value(s) outside [0, 1] clipped (clicks past the axis)")
        survival = np.clip(survival, 0.0, 1.0)

    at_start = time == 0
    if np.any(survival[at_start] < 1 - START_TOLERANCE):
        notes.append("point(s) at time 0 below survival 1 ignored: the curve is forced to start at (0, 1)")
    time, survival = time[~at_start], survival[~at_start]

    order = np.lexsort((-survival, time))
    time, survival = time[order], survival[order]
    survival = order_corners(time, survival)

    rises = np.diff(survival)
    if rises.size and np.any(rises > 0):
        notes.append(
            f"{int(np.sum(rises > 0))} rise(s) in survival (largest {rises.max():.4f}) removed by {monotone} fit"
        )
        if monotone == "isotonic":
            survival = isotonic_regression(survival, increasing=False).x
        else:
            survival = np.minimum.accumulate(survival)

    time = np.concatenate([[0.0], time])
    survival = np.concatenate([[1.0], survival])
    time, survival = _drop_redundant(time, survival)
    return CleanCurve(time=time, survival=survival, notes=tuple(notes))


def order_corners(time: np.ndarray, survival: np.ndarray) -> np.ndarray:
    """Within clicks that are practically simultaneous, put the higher one first.

    A vertical drop is clicked as a top and a bottom corner; click noise can put the bottom a hair
    to the left of the top. Sorting by time alone would then make a rise and smear the drop.
    """
    survival = survival.copy()
    span = time[-1] - time[0] if len(time) else 0.0
    close = np.flatnonzero(np.diff(time) <= SAME_TIME_FRACTION * span)
    for i in close:
        if survival[i + 1] > survival[i]:
            survival[i], survival[i + 1] = survival[i + 1], survival[i]
    return survival


def _drop_redundant(time: np.ndarray, survival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the ends of each plateau and the top and bottom click at each time: interior plateau
    points and repeated clicks carry no information about when events happened, while a top corner
    at the time of a drop says the drop is vertical (see ``guyot._clicked_corners`` and
    ``guyot._spread_events_along_slopes``)."""
    new_time = time[1:] != time[:-1]
    ends = np.append(True, new_time) | np.append(new_time, True)
    time, survival = time[ends], survival[ends]
    same_before = np.append(False, survival[1:] == survival[:-1])  # False: the first point is always kept
    same_after = np.append(survival[:-1] == survival[1:], False)  # and the last
    keep = ~(same_before & same_after)
    return time[keep], survival[keep]
