"""Individual patient data from a digitized Kaplan-Meier curve: the Guyot et al. (2012) algorithm.

Guyot P, Ades AE, Ouwens MJ, Welton NJ. Enhanced secondary analysis of survival data: reconstructing
the data from published Kaplan-Meier survival curves. BMC Med Res Methodol 2012;12:9.

Written from the paper's description. The published risk table splits follow-up into intervals.
Within an interval, censorings are spread evenly; at each digitized point the number of events is
the one that makes the reconstructed KM follow the digitized drop,
``d = round(n_at_risk * (1 - S(t) / S_last_event))`` (``guyot_events``). The censoring count of each
interval is searched (bounded, never more than ``MAX_SEARCH_STEPS`` evaluations) until the
reconstructed number at risk at the next table time matches the published one
(``guyot_censoring_search``). Where the paper leaves a choice, or where this module does better,
it departs as follows and says so in the diagnostics:

* censorings: after a first pass with even spreading, a second pass places them where the heights
  of the clicked drops say they were (``_place_censorings_by_step_heights``);
* last interval (no number at risk at its end, ``_fit_last_interval``): without ``total_events``
  everyone without an event is censored evenly up to the end of the curve; with it, the censoring
  count that makes the total right (and, if earlier intervals already overshot, a calibrated
  rounding threshold, see ``_calibrate_rounding``, then as a last resort ``_relabel_to_meet_total``);
* no risk table: the whole curve is one such interval starting with ``n`` at risk;
* where the digitizer clicked both corners of drops (see ``_clicked_corners``), several events at one
  point whose drop was seen as a slope are spread along it (see ``_spread_events_along_slopes``), and
  a slope that a table time cuts through is split there (see ``_split_slopes_at_table_times``); with
  one click per drop, each drop happened at its click, as in the paper;
* patients still at risk after the curve ends are censored at its last time.

Three of these choices are not identified by the curve: where within an interval the censorings fall
(without a table: anywhere over follow-up), where along a sloped run its events fell, and how a
fractional event count at a point is rounded. ``reconstruct(..., draw=...)`` draws them at random
instead (see ``UnidentifiedChoices``), which is how :mod:`kmrepro.reconstruct.intervals` propagates
them into reconstruction intervals.

Reading order: ``reconstruct`` (the whole recipe), then the paper's two steps, then the extensions
in the order ``reconstruct`` applies them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression
from scipy.special import expit
from scipy.stats import beta

from kmrepro.reconstruct.cleaning import SAME_TIME_FRACTION, CleanCurve
from kmrepro.analysis.km import km_at, number_at_risk

#: Events at a point are ``floor(x + threshold)``; 0.5 rounds half up, as the paper does.
HALF_UP = 0.5
#: Upper bound on censoring counts tried per interval: reconstruction can never hang.
MAX_SEARCH_STEPS = 64
#: Candidate censoring counts per round when matching the last interval to an event total.
TAIL_GRID = 24
#: Bisection steps when calibrating the rounding threshold to a published event total.
MAX_CALIBRATION_STEPS = 20
#: Share of drops clicked with their top corner (within ``CORNER_FRACTION`` of the time range,
#: about 2 px of a 900 px plot) above which clicks are read as corner pairs.
CORNER_SHARE = 0.25
CORNER_FRACTION = 0.002
#: Click noise assumed on each corner of a drop (survival units) when reading at-risk counts off
#: step heights: about one pixel of a 500-pixel-high plot.
STEP_NOISE = 0.002
#: Cells of the grid on which a drawn censoring distribution over the whole curve is tabulated.
CDF_CELLS = 200


@dataclass(frozen=True)
class Reconstruction:
    """Reconstructed IPD (``time``, ``event`` = 1 for an event, 0 censored) with its diagnostics."""

    ipd: pd.DataFrame
    diagnostics: dict = field(repr=False)


@dataclass(frozen=True)
class UnidentifiedChoices:
    """Random draws for the two choices the curve does not identify (see the module docstring).

    ``rounding_spread``: events at a point are ``floor(x + 0.5 + u)``, u uniform on
    [-spread/2, spread/2) (1 = stochastic rounding, 0 = round half up); ``random_censoring``:
    censorings at sorted uniform draws within each interval instead of evenly spaced, their
    quantiles raised to a power drawn per interval, log-uniform on [1/censor_shape, censor_shape]
    (whether they cluster early or late in the interval is not identified either); ``tail_shape``:
    the same range for the stretch after the last table time, which has no published count at its end.
    ``whole_curve``: without a risk table nothing bounds where censorings fall over follow-up, so over the
    one interval (the whole curve) each arm's potential follow-up is drawn from this prior of real trials
    and seen through the curve (``_censoring_cdf``; None: the ``tail_shape`` power, as after a table).
    ``trial``: the draw's standard normal deviates shared by the arms of one trial (see
    ``CensoringPrior``; None: this arm's own, as if alone). Events of a drop clicked as a slope fall at
    sorted uniform draws along it (see ``_spread_events_along_slopes``).
    """

    rng: np.random.Generator
    rounding_spread: float = 1.0
    random_censoring: bool = True
    censor_shape: float = 1.0
    tail_shape: float = 1.0
    whole_curve: CensoringPrior | None = None
    trial: tuple[float, float] | None = None

    def apply(self, intervals: list[_TableInterval], time: np.ndarray,
              survival: np.ndarray) -> tuple[list[_TableInterval], np.ndarray]:
        """The intervals with drawn censoring positions, and the drawn rounding offset of each point
        (``time``, ``survival``: the cleaned curve's points)."""
        offsets = self.rounding_spread * (self.rng.random(len(time)) - 0.5)
        if not self.random_censoring:
            return intervals, offsets
        seeds = self.rng.integers(0, 2**63, len(intervals))
        spread = np.log([self.censor_shape if iv.n_next is not None else self.tail_shape for iv in intervals])
        shapes = np.exp(self.rng.uniform(-1, 1, len(intervals)) * spread)
        drawn = [dataclasses.replace(iv, censor_seed=int(seed), censor_shape=float(shape))
                 for iv, seed, shape in zip(intervals, seeds, shapes)]
        if self.whole_curve is not None and len(drawn) == 1 and drawn[0].n_next is None:
            trial = self.rng.standard_normal(2) if self.trial is None else self.trial
            follow_up = self.whole_curve.draw(self.rng, trial)
            drawn = [dataclasses.replace(drawn[0], censor_shape=1.0,
                                         cdf=_censoring_cdf(drawn[0], time, survival, follow_up))]
        return drawn, offsets


@dataclass(frozen=True)
class CensoringPrior:
    """How long patients could have been followed (their potential follow-up, or censoring time), as a
    prior over real trials: Beta(a, b) over the curve's follow-up, mean m = a / (a + b), concentration
    k = a + b, with logit m and log k normal. Each normal is a part shared by the arms of one trial
    (same accrual, same data cut-off: real arms' follow-up is nearly alike) plus a part of the arm's own:
    the ``*_sd`` pairs are (shared SD, own SD). Where censorings are then seen also depends on the curve
    (``_censoring_cdf``). Fitted to real trials by ``benchmarks/intervals.py --censoring-prior``."""

    logit_mean: float
    logit_mean_sd: tuple[float, float]
    log_concentration: float
    log_concentration_sd: tuple[float, float]

    def draw(self, rng: np.random.Generator, trial: Sequence[float]) -> tuple[float, float]:
        """One arm's potential follow-up, the (a, b) of its Beta: ``trial`` holds the two standard normal
        deviates (mean, concentration) its trial's arms share; the arm's own are drawn from ``rng``."""
        own = rng.standard_normal(2)
        m = expit(self.logit_mean + self.logit_mean_sd[0] * trial[0] + self.logit_mean_sd[1] * own[0])
        k = math.exp(self.log_concentration + self.log_concentration_sd[0] * trial[1]
                     + self.log_concentration_sd[1] * own[1])
        return m * k, (1 - m) * k


def _censoring_cdf(iv: _TableInterval, time: np.ndarray, survival: np.ndarray,
                   follow_up: tuple[float, float]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Where censorings are seen over an interval when potential follow-up is Beta(*follow_up) over it.

    A patient is seen censored at t only if still event-free there (independent censoring), so the
    density of seen censorings is the follow-up density times S(t), read off the clicked curve: a curve
    that falls to zero loses its censorings early, a curve that stays high shows the follow-up as it is.
    Returned as ``_TableInterval.cdf`` (times, cumulative fractions) on ``CDF_CELLS`` cells.
    """
    edges = np.linspace(0.0, 1.0, CDF_CELLS + 1)
    mass = np.diff(beta.cdf(edges, *follow_up))
    at = iv.start + edges * (iv.end - iv.start)
    middle = (at[:-1] + at[1:]) / 2
    seen = mass * survival[np.maximum(np.searchsorted(time, middle, side="right") - 1, 0)]
    if not seen.sum() > 0:  # the curve is at zero throughout: the follow-up as it is
        seen = mass
    return tuple(at.tolist()), tuple(np.concatenate([[0.0], np.cumsum(seen) / seen.sum()]).tolist())


def reconstruct(
    curve: CleanCurve,
    n: int,
    risk_time=None,
    risk_n=None,
    total_events: int | None = None,
    censor_marks=None,
    draw: UnidentifiedChoices | None = None,
) -> Reconstruction:
    """Reconstruct the IPD of one arm from a cleaned curve.

    ``risk_time``/``risk_n``: the published risk table (optional). ``n``: patients in the arm.
    ``total_events``: the published number of events (optional). ``censor_marks``: times of the
    censor marks drawn on the curve (optional): an interval's censorings are placed at its marks
    instead of being spread. Returns exactly ``n`` rows.
    ``draw``: draw the unidentified choices at random (reconstruction intervals) instead of fixing them.
    Validation of user input (n versus the table, counts rising) is the caller's job: see
    :func:`kmrepro.api.reconstruct_arm`.
    """
    time, survival = curve.time, curve.survival
    risk_time = np.array([0.0]) if risk_time is None else np.asarray(risk_time, dtype=float)
    risk_n = np.array([n]) if risk_n is None else np.asarray(risk_n, dtype=int)
    if risk_time[0] > 0:
        risk_time, risk_n = np.append(0.0, risk_time), np.append(n, risk_n)
    corners = _clicked_corners(time, survival)
    if corners:
        time, survival = _split_slopes_at_table_times(time, survival, risk_time)
    at_risk_after = risk_time[risk_n > 0]
    t_end = float(max(time[-1], at_risk_after[-1] if len(at_risk_after) else 0.0))
    intervals = _table_intervals(time, risk_time, risk_n, t_end)
    offsets = None
    if draw is not None:
        intervals, offsets = draw.apply(intervals, time, survival)

    points = _DigitizedPoints.of(time, survival, offsets)
    n_start = int(risk_n[0])
    spread_evenly = _walk_arm(points, intervals, n_start, total_events)
    intervals = [_place_censorings_by_step_heights(points, iv, walk, corners)
                 for iv, walk in zip(intervals, spread_evenly.intervals)]
    if censor_marks is not None:
        intervals = [_with_marks(iv, censor_marks) for iv in intervals]
    walked = _walk_arm(points, intervals, n_start, total_events)
    if total_events is not None and walked.n_events != total_events:
        walked = _calibrate_rounding(points, intervals, n_start, total_events, walked)
    ipd = _to_ipd(time, intervals, walked, t_end, extra_at_start=max(n - n_start, 0), slopes=corners, draw=draw)
    relabelled = 0 if total_events is None else _relabel_to_meet_total(ipd, total_events)
    diagnostics = _diagnostics(ipd, time, survival, risk_time, risk_n, total_events, t_end)
    diagnostics["events_relabelled_to_meet_total"] = relabelled
    diagnostics["drops_read_as"] = "corner pairs and slopes" if corners else "one click per drop"
    return Reconstruction(ipd=ipd, diagnostics=diagnostics)


# The paper's algorithm (Guyot et al. 2012): events at each point of a risk-table interval, and the
# censoring count that makes the interval end on its published number at risk.


@dataclass
class _TableInterval:
    """One risk-table interval [start, end) and the points inside it."""

    start: float
    end: float
    first: int  # index of its first digitized point
    stop: int  # one past its last digitized point
    n_next: int | None  # published number at risk at the next table time (None: last interval)
    #: where censorings fall: cumulative fraction (second tuple) reached at each time (first tuple);
    #: None spreads them evenly, as the paper does
    cdf: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    #: None: censorings at evenly spaced quantiles; a seed: at sorted uniform draws (same count, same draws)
    censor_seed: int | None = None
    #: drawn quantiles are raised to this power (> 1: censorings early in the interval, < 1: late)
    censor_shape: float = 1.0
    #: censor marks read off the figure in this interval: censorings go to these times
    marks: tuple[float, ...] = ()

    def prior_share(self, fraction: np.ndarray) -> np.ndarray:
        """Share of the interval's censorings expected before each ``fraction`` of it, before the step
        heights are read: by its censoring distribution (drawn, see ``_censoring_cdf``), else spread evenly."""
        if self.cdf is None:
            return fraction
        times, fractions = self.cdf
        return np.interp(self.start + fraction * (self.end - self.start), times, fractions)

    def censor_times(self, count: int) -> list[float]:
        """``count`` censoring times at the quantiles of the interval's censoring distribution."""
        if self.censor_seed is None:
            q = (np.arange(count) + 0.5) / count if count else np.empty(0)
        else:
            rng = np.random.default_rng(self.censor_seed)
            q = np.sort(rng.random(count)) ** self.censor_shape
        if self.marks:  # the empirical distribution of the marks: each censoring at a marked time
            return [self.marks[min(int(p * len(self.marks)), len(self.marks) - 1)] for p in q]
        if self.cdf is None:
            return (self.start + q * (self.end - self.start)).tolist()
        times, fractions = self.cdf
        return np.interp(q, fractions, times).tolist()


@dataclass(frozen=True)
class _DigitizedPoints:
    """The cleaned points the walk visits: times as an array for vector work, times and survival
    as Python lists for the per-point loop (indexing a list is much faster than an array)."""

    time_array: np.ndarray
    time: list[float]
    survival: list[float]
    rounding_offset: list[float]  # added to the rounding threshold at each point (drawn; else 0)

    @classmethod
    def of(cls, time: np.ndarray, survival: np.ndarray, rounding_offset: np.ndarray | None = None) -> _DigitizedPoints:
        offset = [0.0] * len(time) if rounding_offset is None else rounding_offset.tolist()
        return cls(time, time.tolist(), survival.tolist(), offset)


class IntervalWalk(NamedTuple):
    """Events and censorings of one interval, for one censoring count."""

    n_start: int  # at risk when the interval begins
    events: list[int]  # events at each digitized point of the interval
    censor_times: list[float]  # the censorings applied (fewer than asked if everyone was gone)
    n_end: int  # at risk when the interval ends
    s_last: float  # reconstructed KM after the interval's last event


def _round(x: float) -> int:
    """Round half up, as the paper does (Python's round() rounds half to even)."""
    return math.floor(x + 0.5)


def guyot_events(points: _DigitizedPoints, iv: _TableInterval, n_start: int, s_last: float, censored: int,
                 threshold: float = HALF_UP) -> IntervalWalk:
    """Events at each point of an interval when ``censored`` patients are censored over it.

    The formula of Guyot et al. 2012 (BMC Med Res Methodol 12:9): with ``n`` at risk and the
    reconstructed KM at ``S_last`` after the previous event, the number of events at a point of
    survival ``S(t)`` is ``round(n * (1 - S(t) / S_last))`` (``floor(x + threshold)``; see
    ``_calibrate_rounding`` for thresholds other than one half). Censorings fall at the interval's
    ``censor_times`` and leave after the events at the same time (the KM convention).
    """
    cens = iv.censor_times(censored)
    n, j, events = n_start, 0, []
    time, survival, offset = points.time, points.survival, points.rounding_offset
    for k in range(iv.first, iv.stop):
        tk = time[k]
        while j < censored and cens[j] < tk and n > 0:
            n -= 1
            j += 1
        d = 0
        if n > 0 and s_last > 0:
            d = min(max(math.floor(n * (1.0 - survival[k] / s_last) + threshold + offset[k]), 0), n)
            if d:
                s_last *= 1.0 - d / n
                n -= d
        events.append(d)
    applied = min(censored, j + n)
    return IntervalWalk(n_start, events, cens[:applied], n - (applied - j), s_last)


def guyot_censoring_search(points: _DigitizedPoints, iv: _TableInterval, n_start: int, s_last: float,
                           threshold: float = HALF_UP) -> IntervalWalk:
    """The censoring count whose walk ends with the published number at risk (the iteration of
    Guyot et al. 2012, BMC Med Res Methodol 12:9).

    The end count falls by 0 or 1 per extra censoring, so the update ``c += n_end - target``
    never overshoots; the best count seen is kept if the target cannot be met exactly.
    """
    target = iv.n_next
    c_max = max(n_start - target, 0)
    s_end = points.survival[iv.stop - 1] if iv.stop > iv.first else s_last
    expected = n_start * (s_end / s_last) if s_last > 0 else 0.0
    c = min(max(_round(expected - target), 0), c_max)
    best, best_gap, seen = None, 0, set()
    for _ in range(MAX_SEARCH_STEPS):
        walk = guyot_events(points, iv, n_start, s_last, c, threshold)
        gap = walk.n_end - target
        if best is None or abs(gap) < abs(best_gap):
            best, best_gap = walk, gap
        seen.add(c)
        c_new = min(max(c + gap, 0), c_max)
        if gap == 0 or c_new in seen:
            break
        c = c_new
    return best


# The extensions, and the passes over the arm that apply them, in the order reconstruct() uses them.


def _clicked_corners(time: np.ndarray, survival: np.ndarray) -> bool:
    """Whether the digitizer clicked both corners of drops (then a drop seen only as a slope between
    two clicks really is a slope), or one click per drop (then it happened at the later click).

    Decided by how many drops have their top corner clicked at the same time (``CORNER_SHARE``).
    """
    drops = np.flatnonzero(np.diff(survival) < 0) + 1
    if not len(drops):
        return True
    vertical = time[drops] - time[drops - 1] <= CORNER_FRACTION * (time[-1] - time[0])
    return bool(vertical.mean() >= CORNER_SHARE)


def _split_slopes_at_table_times(time: np.ndarray, survival: np.ndarray, risk_time: np.ndarray):
    """Add a point just before each table time that falls inside a sloped segment.

    A run of drops too dense to resolve is clicked as a slope; when a table time cuts through it,
    part of its events happened before that time and count against the published number at risk
    there. Without the split they would all land after it (at the segment's end) and the censoring
    search would compensate with spurious censorings. Vertical drops (segments shorter than the
    click tolerance) are not split: their events all happen at one time.
    """
    tolerance = SAME_TIME_FRACTION * (time[-1] - time[0])
    k = np.searchsorted(time, risk_time, side="left")
    inside = (k > 0) & (k < len(time))
    k, cut = k[inside], risk_time[inside]
    sloped = (time[k] - time[k - 1] > tolerance) & (time[k] > cut) & (survival[k] < survival[k - 1])
    k, cut = k[sloped], cut[sloped]
    if not len(k):
        return time, survival
    fraction = (cut - time[k - 1]) / (time[k] - time[k - 1])
    level = survival[k - 1] + fraction * (survival[k] - survival[k - 1])
    return np.insert(time, k, np.nextafter(cut, -np.inf)), np.insert(survival, k, level)


def _table_intervals(time: np.ndarray, risk_time: np.ndarray, risk_n: np.ndarray,
                     t_end: float) -> list[_TableInterval]:
    """The risk table's intervals; the last one ends where the curve (or the table) ends."""
    bounds = np.searchsorted(time, risk_time, side="left")
    out = []
    for i, start in enumerate(risk_time):
        last = i == len(risk_time) - 1
        stop = len(time) if last else int(bounds[i + 1])
        end = t_end if last else float(risk_time[i + 1])
        if start <= t_end < end:
            end = t_end  # no one is censored after the drawn curve ends
        out.append(
            _TableInterval(float(start), max(end, float(start)), int(bounds[i]), stop,
                           None if last else int(risk_n[i + 1]))
        )
    return out


class _ArmWalk(NamedTuple):
    """One pass over all intervals of an arm."""

    events: np.ndarray  # events at each digitized point
    censor_times: list[float]
    n_left: int  # still at risk when the curve ends
    intervals: list[IntervalWalk]  # the walk chosen for each interval

    @property
    def n_events(self) -> int:
        return int(self.events.sum())


def _walk_arm(points: _DigitizedPoints, intervals: list[_TableInterval], n_start: int, total_events: int | None,
              threshold: float = HALF_UP) -> _ArmWalk:
    """Walk the intervals in turn, each starting where the previous one ended: the censoring search
    for intervals that end on a published number at risk, the tail fit for the last one."""
    events = np.zeros(len(points.time), dtype=int)
    censor_times: list[float] = []
    walks = []
    n_at, s_last, n_events = n_start, 1.0, 0
    for iv in intervals:
        if iv.n_next is None:
            wanted = None if total_events is None else max(total_events - n_events, 0)
            walk = _fit_last_interval(points, iv, n_at, s_last, wanted, threshold)
        else:
            walk = guyot_censoring_search(points, iv, n_at, s_last, threshold)
        events[iv.first : iv.stop] = walk.events
        n_events += sum(walk.events)
        censor_times.extend(walk.censor_times)
        walks.append(walk)
        n_at, s_last = walk.n_end, walk.s_last
    return _ArmWalk(events, censor_times, n_at, walks)


def _fit_last_interval(points: _DigitizedPoints, iv: _TableInterval, n_start: int, s_last: float,
                       events_wanted: int | None, threshold: float = HALF_UP) -> IntervalWalk:
    """Censoring for the stretch after the last table time, where no end count is published.

    Without an event total, everyone who has no event is censored evenly up to the end of the
    curve (no one left at risk there): staggered entry spreads administrative censoring over
    the tail. This beat both Guyot's "same censoring rate as before" and a least-squares fit
    of the tail's step heights in benchmarks/roundtrip.py. With an event total, the censoring
    count whose events meet it (ties: the larger count, for the same reason).
    """
    if events_wanted is None:
        return guyot_censoring_search(points, dataclasses.replace(iv, n_next=0), n_start, s_last, threshold)
    lo, hi = 0, n_start
    best, best_score, best_count = None, None, 0
    while True:
        step = max((hi - lo) // TAIL_GRID, 1)
        for c in range(lo, hi + 1, step):
            walk = guyot_events(points, iv, n_start, s_last, c, threshold)
            score = (abs(sum(walk.events) - events_wanted), -c)
            if best is None or score < best_score:
                best, best_score, best_count = walk, score, c
        if step == 1:
            return best
        lo, hi = max(best_count - step, 0), min(best_count + step, n_start)


def _place_censorings_by_step_heights(points: _DigitizedPoints, iv: _TableInterval, walk: IntervalWalk,
                                      corners: bool) -> _TableInterval:
    """Where in the interval its censorings fall, read from the heights of its vertical drops.

    A drop of ``d`` events among ``n`` at risk has height ``S * d / n``, so each clicked drop tells
    how many were at risk just before it, hence how many had been censored since the interval
    began. In small arms this pins censorings between the right drops; in large arms the heights are
    too noisy to say much. Each drop's implied censoring count is weighed against the interval's prior
    (even spreading, or the drawn distribution of a curve without a table: ``prior_share``) by inverse
    variance (click noise ``STEP_NOISE`` on each corner; binomial for the prior), then made non-decreasing
    (weighted isotonic regression) and turned into the interval's censoring distribution. ``walk`` is
    the interval's walk with censorings placed by the prior.
    """
    censored = len(walk.censor_times)
    if censored == 0 or iv.end <= iv.start:
        return iv
    time, survival = points.time_array, points.survival
    tolerance = SAME_TIME_FRACTION * (time[-1] - time[0])
    at, implied, var_heights = [], [], []
    seen_events = 0
    for k, d in zip(range(iv.first, iv.stop), walk.events):
        # With corner pairs only vertical drops have a height; with one click per drop, every drop.
        vertical = not corners or time[k] - time[k - 1] <= tolerance
        if d and k and vertical and survival[k - 1] > survival[k]:
            height = survival[k - 1] - survival[k]
            implied_n = d * survival[k - 1] / height
            var_heights.append((implied_n * math.sqrt(2) * STEP_NOISE / height) ** 2)
            implied.append(walk.n_start - seen_events - implied_n)
            at.append(time[k])
        seen_events += d
    if not at:
        return iv
    share = iv.prior_share((np.asarray(at) - iv.start) / (iv.end - iv.start))
    prior, var_prior = censored * share, censored * share * (1 - share) + 0.25
    var_heights = np.asarray(var_heights)
    weight = 1 / var_heights + 1 / var_prior
    target = (np.asarray(implied) / var_heights + prior / var_prior) / weight
    fitted = np.clip(isotonic_regression(target, weights=weight).x, 0, censored) / censored
    if iv.cdf is None:
        times = (iv.start, *at, iv.end)
        fractions = np.maximum.accumulate(np.concatenate([[0.0], fitted, [1.0]]))
        return dataclasses.replace(iv, cdf=(times, tuple(fractions)))
    # a drawn distribution keeps its shape between the drops: the drops' corrections to it, interpolated
    times = np.union1d(iv.cdf[0], at)
    correction = np.interp(times, (iv.start, *at, iv.end), np.concatenate([[0.0], fitted - share, [0.0]]))
    fractions = np.maximum.accumulate(np.clip(np.interp(times, *iv.cdf) + correction, 0.0, 1.0))
    return dataclasses.replace(iv, cdf=(tuple(times.tolist()), tuple(fractions.tolist())))


def _with_marks(iv: _TableInterval, censor_marks) -> _TableInterval:
    """The interval with the censor marks that fall in it (unchanged when it has none)."""
    marks = np.sort(np.asarray(censor_marks, dtype=float))
    inside = marks[(marks >= iv.start) & (marks < iv.end)]
    return dataclasses.replace(iv, marks=tuple(inside.tolist())) if len(inside) else iv


def _calibrate_rounding(points: _DigitizedPoints, intervals: list[_TableInterval], n_start: int,
                        total_events: int, walked: _ArmWalk) -> _ArmWalk:
    """Meet a published event total that interval-by-interval rounding missed.

    Events per point are ``floor(x + threshold)``; the threshold (0.5 = ordinary rounding) is
    bisected so the total matches. Because every interval still ends on its published number at
    risk, what changes is only which ambiguous drops count as events rather than censorings.
    """
    lo, hi = 0.0, 1.0
    best = walked
    for _ in range(MAX_CALIBRATION_STEPS):
        threshold = (lo + hi) / 2
        candidate = _walk_arm(points, intervals, n_start, total_events, threshold)
        if abs(candidate.n_events - total_events) < abs(best.n_events - total_events):
            best = candidate
        if candidate.n_events == total_events:
            break
        lo, hi = (threshold, hi) if candidate.n_events < total_events else (lo, threshold)
    return best


def _spread_events_along_slopes(time: np.ndarray, intervals: list[_TableInterval], k: np.ndarray, d: np.ndarray,
                                slopes: bool, draw: UnidentifiedChoices | None = None) -> np.ndarray:
    """Times of the ``d`` events at each point ``k``, one per event.

    A drop clicked as a vertical step (previous point at the same time) puts all its events at its
    time. With ``slopes``, a drop seen only as a slope from the previous point happened somewhere
    along it: its events are spread evenly up to the point, the last one at the point itself (so a
    single event stays where it was clicked), never before the start of its risk-table interval.
    With ``draw``, where along the slope they fell is not identified: sorted uniform draws over it.
    """
    if slopes:
        floor = np.zeros(len(time))
        for iv in intervals:
            floor[iv.first : iv.stop] = iv.start
        start = np.maximum(np.where(k > 0, time[np.maximum(k - 1, 0)], 0.0), floor[k])
    else:
        start = time[k]
    if draw is not None:
        point = np.repeat(np.arange(len(k)), d)
        fraction = np.sort(draw.rng.random(len(point)) + point) - point  # sorted within each point
        return np.repeat(start, d) + np.repeat(time[k] - start, d) * fraction
    step = np.repeat((time[k] - start) / d, d)
    rank = np.arange(int(d.sum())) - np.repeat(np.cumsum(d) - d, d) + 1  # 1..d within each point
    return np.repeat(start, d) + step * rank


def _to_ipd(time: np.ndarray, intervals: list[_TableInterval], walked: _ArmWalk, t_end: float, extra_at_start: int,
            slopes: bool, draw: UnidentifiedChoices | None = None) -> pd.DataFrame:
    """Patients as rows, sorted by time (events before censorings at the same time)."""
    k = np.flatnonzero(walked.events)
    event_times = _spread_events_along_slopes(time, intervals, k, walked.events[k], slopes, draw)
    times = np.concatenate([
        event_times,
        np.asarray(walked.censor_times, dtype=float),
        np.full(walked.n_left, t_end),
        np.zeros(extra_at_start),
    ])
    status = (np.arange(len(times)) < len(event_times)).astype(int)
    order = np.lexsort((-status, times))
    return pd.DataFrame({"time": times[order], "event": status[order]})


def _relabel_to_meet_total(ipd: pd.DataFrame, total_events: int) -> int:
    """Last resort when calibration cannot meet the published total: relabel events as censorings
    (or the reverse), evenly spread over follow-up. Relabelling keeps every patient's time, so the
    numbers at risk at the table times do not move. Returns how many were relabelled."""
    event = ipd["event"].to_numpy()
    surplus = int(event.sum()) - total_events
    if surplus == 0:
        return 0
    pool = np.flatnonzero(event == (1 if surplus > 0 else 0))
    m = abs(surplus)
    chosen = pool[(np.arange(m) * len(pool)) // m]
    ipd.loc[chosen, "event"] = 0 if surplus > 0 else 1
    return m


def _diagnostics(ipd, time, survival, risk_time, risk_n, total_events, t_end) -> dict:
    t, e = ipd["time"].to_numpy(), ipd["event"].to_numpy()
    # The top corner of a vertical drop shows the KM just before that time.
    top_corner = np.append(time[1:] == time[:-1], False)
    fitted = np.where(top_corner, km_at(t, e, time, left=True), km_at(t, e, time))
    error = fitted - survival
    rebuilt = number_at_risk(t, risk_time).tolist()
    return {
        "n": int(len(ipd)),
        "events": int(e.sum()),
        "events_published": total_events,
        "censored": int(len(ipd) - e.sum()),
        "end_of_follow_up": t_end,
        "at_risk": [
            {"time": float(rt), "published": int(rn), "reconstructed": r, "difference": r - int(rn)}
            for rt, rn, r in zip(risk_time, risk_n, rebuilt)
        ],
        "max_at_risk_difference": int(max(abs(r - int(rn)) for rn, r in zip(risk_n, rebuilt))),
        "curve_fit": {
            "points": int(len(time)),
            "rmse": float(np.sqrt(np.mean(error**2))),
            "mean_abs_error": float(np.mean(np.abs(error))),
            "max_abs_error": float(np.max(np.abs(error))),
        },
    }
