"""Reconstruction intervals: how far a regenerated number can move under what the digitization leaves open.

A regenerated statistic is uncertain for two reasons the point reconstruction hides:

* the digitization: every click lands with some noise (``ClickNoise``; for a clicked CSV estimated
  from the clicks themselves by ``estimate_click_noise``, or passed in by a digitizer that knows its
  pixel size);
* what the curve does not identify: where censorings fall inside a risk-table interval (without a
  table, over the whole follow-up: ``CENSORING_PRIOR``), where events fell along a run of drops clicked
  as a slope, and how a fractional event count is rounded (drawn by
  :class:`kmrepro.reconstruct.guyot.UnidentifiedChoices`).

Monte Carlo propagates both: each draw perturbs every click by the (calibrated) noise, cleans and
reconstructs both arms with the unidentified choices drawn at random, and re-analyses the IPD; the
2.5-97.5 % range of each statistic over the draws is its reconstruction interval. The per-draw
analysis (``draw_statistics``) is a vectorised path that reproduces
:mod:`kmrepro.analysis.survival` (Efron Cox with one binary covariate, survdiff log-rank, R's median
rule) at a fraction of lifelines' cost. Seeds are fixed, so intervals are byte-identical across
builds. ``benchmarks/intervals.py`` calibrates the noise model's constants below (coverage of the truth on
round trips from real IPD, clicked or drawn as figures and digitized).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, norm

from kmrepro.analysis.km import km_at, km_median
from kmrepro.analysis.survival import _landmark_key
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.reconstruct.cleaning import SAME_TIME_FRACTION, clean_curve, order_corners
from kmrepro.reconstruct.guyot import CORNER_SHARE, CensoringPrior, UnidentifiedChoices, reconstruct

DEFAULT_DRAWS = 200
DEFAULT_SEED = 2012
#: Interval of the middle 95 % of draws.
COVERAGE = 0.95
#: More failed draws than this share marks an endpoint's intervals unreliable.
MAX_FAILED_SHARE = 0.01
#: Multipliers on the click noise for the perturbation, time axis and survival axis, calibrated by
#: benchmarks/intervals.py. Survival's is below 1: rounding each drop to whole events removes survival noise
#: under half a step, so the reconstruction errs less than its clicks do.
NOISE_SCALE = 1.0
SURVIVAL_NOISE_SCALE = 0.4
#: Noise of a corner read off a figure image by kmrepro.ingest.digitize, in pixels of each axis,
#: calibrated by ``benchmarks/intervals.py --image``.
IMAGE_NOISE_PX = 1.5
#: Spread of the drawn rounding of event counts and ranges of the drawn censoring shapes (see
#: kmrepro.reconstruct.guyot.UnidentifiedChoices), calibrated by benchmarks/intervals.py.
ROUNDING_SPREAD = 0.5
CENSOR_SHAPE = 5.0
TAIL_SHAPE = 5.0
#: How long patients could have been followed in real trials (without a risk table only the curve's step
#: heights say where censorings fell, and in large arms hardly): fitted by ``benchmarks/intervals.py
#: --censoring-prior`` to the kmdata sets outside the calibration sample (``--sample 150``).
CENSORING_PRIOR = CensoringPrior(logit_mean=0.89, logit_mean_sd=(0.74, 0.21),
                                 log_concentration=0.89, log_concentration_sd=(0.54, 0.34))
#: Fewer noise pairs than this and the estimate falls back (see ``estimate_click_noise``).
MIN_NOISE_PAIRS = 5
#: Fallback when the clicks show no scatter to measure: 0.5 px on a 500 px high, 900 px wide plot.
FALLBACK_SURVIVAL_NOISE = 0.5 / 500
PLOT_ASPECT = 500 / 900  # height / width of a typical KM figure, for the time noise fallback
#: Statistics whose "not estimable" (None) means "beyond every value" (a median not reached).
_NOT_REACHED_IS_LARGE = ("median", "median_follow_up")


@dataclass(frozen=True)
class ClickNoise:
    """Standard deviation of a click, in time units and in survival units (proportion)."""

    time: float
    survival: float


@dataclass(frozen=True)
class ArmDigitization:
    """What one arm's reconstruction starts from: the raw clicks and the published counts."""

    curve: DigitizedCurve
    n: int
    at_risk: RiskTable | None = None
    total_events: int | None = None
    #: None: estimated from the clicks (``estimate_click_noise``)
    noise: ClickNoise | None = None


def pixel_noise(calibration: Mapping[str, Mapping[str, Any]], px: float = IMAGE_NOISE_PX) -> ClickNoise:
    """``px`` pixels of each axis, from the calibration of ``kmrepro digitize``'s report: an automatic
    digitizer's corners are not scattered like clicks to estimate from, so their noise is set in pixels."""
    y_ticks = calibration["y"]["ticks"]
    survival_unit = 100.0 if max(y_ticks) > 1.0 else 1.0  # y axis in percent
    return ClickNoise(
        time=px / abs(calibration["x"]["px_per_unit"]),
        survival=px / abs(calibration["y"]["px_per_unit"]) / survival_unit,
    )


def estimate_click_noise(time: np.ndarray, survival: np.ndarray) -> ClickNoise:
    """Click noise from the scatter of the clicks about the curve they trace.

    The clicks are ordered as the cleaning orders them; a corner pair is two clicks closer than
    the cleaning's same-time tolerance with a drop between them. Time: the two corners of a
    vertical drop mark the same time, so their gap is pure noise. Survival: between two
    consecutive corner pairs, the bottom corner of one drop and the top corner of the next mark the
    same plateau, so their difference is pure noise. Each difference of two clicks has variance
    2 sd^2; medians of the squares (0.455 x that variance for a normal) keep a few misread pairs
    from spoiling the estimate. Too few pairs (a curve clicked once per drop) and the fallbacks
    assume half a pixel of a 900 x 500 px plot.
    """
    time, survival = np.asarray(time, float), np.asarray(survival, float)
    order = np.lexsort((-survival, time))
    t, s = time[order], order_corners(time[order], survival[order])
    span = float(t[-1] - t[0]) if len(t) > 1 else 1.0
    dt, ds = np.diff(t), np.diff(s)
    starts = []  # first click of each corner pair, pairs not overlapping
    k = 0
    while k < len(dt):
        if dt[k] <= SAME_TIME_FRACTION * span and ds[k] < 0:
            starts.append(k)
            k += 2
        else:
            k += 1
    starts = np.asarray(starts, dtype=int)
    if len(starts) < CORNER_SHARE * np.sum(ds < 0):  # clicked once per drop: nothing to measure
        starts = starts[:0]
    plateaus = starts[1:][np.diff(starts) == 2] - 1  # bottom of one pair, top of the next
    sd_s = _robust_sd(ds[plateaus]) if len(plateaus) >= MIN_NOISE_PAIRS else FALLBACK_SURVIVAL_NOISE
    sd_t = _robust_sd(dt[starts]) if len(starts) >= MIN_NOISE_PAIRS else sd_s * PLOT_ASPECT * span
    return ClickNoise(time=sd_t, survival=sd_s)


def _robust_sd(differences: np.ndarray) -> float:
    """SD of one click from differences of two: median(diff^2) = 0.455 x 2 sd^2 for normal noise."""
    return math.sqrt(float(np.median(differences**2)) / (2 * chi2.ppf(0.5, 1)))


def _draw_arm(arm: ArmDigitization, noise: ClickNoise, rng: np.random.Generator,
              choices: dict) -> tuple[np.ndarray, np.ndarray]:
    """One Monte Carlo reconstruction of one arm: perturbed clicks, drawn choices."""
    t = arm.curve.time + rng.normal(0.0, noise.time, len(arm.curve.time))
    s = arm.curve.survival + rng.normal(0.0, noise.survival, len(arm.curve.survival))
    table = arm.at_risk
    result = reconstruct(
        clean_curve(t, s), arm.n,
        None if table is None else table.time, None if table is None else table.n_at_risk,
        arm.total_events, draw=UnidentifiedChoices(rng, **choices),
    )
    return result.ipd["time"].to_numpy(), result.ipd["event"].to_numpy()


def _event_table(time: np.ndarray, event: np.ndarray, group: np.ndarray):
    """At each distinct event time: numbers at risk and events in group 1 and in group 0."""
    times = np.unique(time[event == 1])
    counts = []
    for g in (1, 0):
        t_g = np.sort(time[group == g])
        e_g = np.sort(time[(group == g) & (event == 1)])
        at_risk = len(t_g) - np.searchsorted(t_g, times, side="left")
        events = np.searchsorted(e_g, times, side="right") - np.searchsorted(e_g, times, side="left")
        counts += [at_risk.astype(float), events.astype(float)]
    return counts  # n1, d1, n0, d0


def cox_binary(time: np.ndarray, event: np.ndarray, group: np.ndarray, max_iter: int = 50) -> tuple[float, float]:
    """log HR of group 1 vs 0 and its SE: Cox with Efron ties, Newton-Raphson to machine precision.

    Same model as lifelines/R coxph for one binary covariate, vectorised over event times and
    Efron's tie fractions. Raises ValueError when the fit diverges (a group with no events).
    """
    n1, d1, n0, d0 = _event_table(time, event, group)
    d = (d1 + d0).astype(int)
    j = np.repeat(np.arange(len(d)), d)
    frac = (np.arange(d.sum()) - np.repeat(np.cumsum(d) - d, d)) / d[j]  # l / d_j, l = 0..d_j-1
    a1, a0 = n1[j] - frac * d1[j], n0[j] - frac * d0[j]  # Efron-adjusted risk sets
    observed = d1.sum()
    beta = 0.0
    for _ in range(max_iter):
        r = math.exp(beta)
        p = a1 * r / (a1 * r + a0)
        info = float(np.sum(p * (1 - p)))
        if not info > 0 or not math.isfinite(info):
            break
        step = (observed - float(p.sum())) / info
        beta += step
        if abs(step) < 1e-12 * max(1.0, abs(beta)):
            return beta, 1 / math.sqrt(info)
    raise ValueError("Cox fit did not converge (a group without events?)")


def logrank_p(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> float:
    """p of the log-rank test (R survdiff, lifelines logrank_test)."""
    n1, d1, n0, d0 = _event_table(time, event, group)
    n, d = n1 + n0, d1 + d0
    expected = np.sum(d * n1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.sum(np.where(n > 1, d * (n - d) * n1 * n0 / (n**2 * (n - 1)), 0.0))
    return float(chi2.sf((d1.sum() - expected) ** 2 / var, 1))


def _survival_at(time: np.ndarray, event: np.ndarray, at: float) -> float | None:
    """S(at), None past the last observed time (as kmrepro.analysis.survival reports it)."""
    return None if at > time.max() else float(km_at(time, event, np.array([at]))[0])


def draw_statistics(ipd: Mapping[str, tuple[np.ndarray, np.ndarray]], reference: str,
                    landmarks: Sequence[float]) -> dict[str, float | None]:
    """The statistics of the stats JSON a draw re-estimates, keyed by their stats-JSON path."""
    (arm,) = [a for a in ipd if a != reference]
    out: dict[str, float | None] = {}
    for name, (t, e) in ipd.items():
        out[f"arms.{name}.events"] = float(e.sum())
        out[f"arms.{name}.median"] = km_median(t, e)
        out[f"arms.{name}.median_follow_up"] = km_median(t, 1 - e)
        for x in landmarks:
            out[f"arms.{name}.survival.{_landmark_key(x)}"] = _survival_at(t, e, x)
    t = np.concatenate([ipd[arm][0], ipd[reference][0]])
    e = np.concatenate([ipd[arm][1], ipd[reference][1]])
    g = np.repeat([1, 0], [len(ipd[arm][0]), len(ipd[reference][0])])
    try:
        out["comparison.hazard_ratio"] = math.exp(cox_binary(t, e, g)[0])
    except ValueError:
        out["comparison.hazard_ratio"] = None
    out["comparison.logrank.p"] = logrank_p(t, e, g)
    return out


def summarise_draws(values: Sequence[float | None], key: str, failed_reconstructions: int, draws: int) -> dict:
    """The reconstruction interval of one statistic from its values over the draws.

    A median not reached counts as beyond every value (an interval end there is None, "not
    reached"); any other missing value counts as a failed draw of that statistic.
    """
    large = key.rsplit(".", 1)[-1] in _NOT_REACHED_IS_LARGE
    v = np.array([(math.inf if large else math.nan) if x is None else x for x in values], dtype=float)
    failed = failed_reconstructions + int(np.isnan(v).sum())
    v = np.sort(v[~np.isnan(v)])
    lower = upper = None
    if len(v):
        tail = (1 - COVERAGE) / 2
        with np.errstate(invalid="ignore"):
            ends = np.quantile(v, [tail, 1 - tail])
        lower, upper = (float(x) if math.isfinite(x) else None for x in ends)
    return {"lower": lower, "upper": upper, "draws": draws, "failed": failed,
            "reliable": failed <= MAX_FAILED_SHARE * draws}


def reconstruction_intervals(
    arms: Mapping[str, ArmDigitization],
    reference: str,
    landmarks: Sequence[float] = (),
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    noise_scale: float = NOISE_SCALE,
    survival_noise_scale: float = SURVIVAL_NOISE_SCALE,
    rounding_spread: float = ROUNDING_SPREAD,
    censor_shape: float = CENSOR_SHAPE,
    tail_shape: float = TAIL_SHAPE,
    censoring_prior: CensoringPrior | None = CENSORING_PRIOR,
) -> dict[str, dict]:
    """Reconstruction interval of every statistic ``draw_statistics`` gives, keyed by stats-JSON path.

    Each value is ``{lower, upper, draws, failed, reliable}``. A draw whose reconstruction or
    analysis raises is counted in ``failed``, never dropped silently. Deterministic for a seed.
    """
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if reference not in arms or len(arms) != 2:
        raise ValueError(f"need two arms including the reference {reference!r}, got {list(arms)}")
    noise = {}
    for name, arm in arms.items():
        base = arm.noise or estimate_click_noise(arm.curve.time, arm.curve.survival)
        noise[name] = ClickNoise(base.time * noise_scale, base.survival * survival_noise_scale)
    choices = dict(rounding_spread=rounding_spread, censor_shape=censor_shape, tail_shape=tail_shape,
                   whole_curve=censoring_prior)
    collected: dict[str, list] = {}
    failed = 0
    for i in range(draws):
        rng = np.random.default_rng([seed, i])
        trial = tuple(np.random.default_rng([seed, i, 1]).standard_normal(2))  # what both arms' censoring share
        try:
            ipd = {name: _draw_arm(arm, noise[name], rng, choices | {"trial": trial}) for name, arm in arms.items()}
            stats = draw_statistics(ipd, reference, landmarks)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            failed += 1
            continue
        for key, value in stats.items():
            collected.setdefault(key, []).append(value)
    return {key: summarise_draws(values, key, failed, draws) for key, values in collected.items()}
