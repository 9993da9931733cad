"""Does one hazard ratio summarise the trial? Proportional-hazards test and effects beyond the single HR.

* ``zph_test``: R survival 3.x ``cox.zph`` (its C routine zph1): the exact score test of adding
  x * g(t) to the Cox model at the fitted beta, Efron ties, g = the centred transform of time
  (``km``: 1 - left-continuous pooled KM, R's default). lifelines' ``proportional_hazard_test`` is
  the pre-3.0 approximation and differs.
* ``piecewise_hr``: R ``coxph(Surv(tstart, time, event) ~ arm:strata(tgroup))`` on ``survSplit``
  data. Every risk set lies inside one interval, so the partial likelihood splits into one Cox model
  per interval, fitted on the full data with events outside the interval treated as censored.
* ``rmst_ratio`` and ``milestone_differences``: ratio of the arms' RMSTs (delta method on the log
  scale, from survmean's SEs) and differences in KM survival at landmarks (Greenwood SEs, Wald CI).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from kmrepro.analysis.km import km_at
from kmrepro.analysis.survival import _km


def _z(alpha: float) -> float:
    return float(norm.ppf(1 - alpha / 2))


@dataclass(frozen=True)
class _Efron:
    """Per distinct event time: the terms of the Efron partial likelihood of one covariate at ``beta``."""

    times: np.ndarray
    loglik: float
    score: np.ndarray  # sum of x over the deaths minus the sum of the d Efron means
    information: np.ndarray  # sum of the d Efron variances
    mean_of_means: np.ndarray  # what each death's x is compared with (Schoenfeld residual)


def _efron(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: float) -> _Efron:
    """Efron's tie handling as survival's C code: the d tied deaths leave the risk set in d equal steps."""
    order = np.argsort(time, kind="stable")
    t, e, xs = time[order], event[order], x[order]
    risk = np.exp(beta * xs)
    tails = [np.cumsum((risk * xs**p)[::-1])[::-1] for p in (0, 1, 2)]  # sums over {time >= t_i}
    times = np.unique(t[e == 1])
    dead_index = np.searchsorted(times, t[e == 1])
    at_risk = [tail[np.searchsorted(t, times, side="left")] for tail in tails]
    deaths = [np.bincount(dead_index, (risk * xs**p)[e == 1], times.size) for p in (0, 1, 2)]
    d = np.bincount(dead_index, minlength=times.size)
    rows = np.repeat(np.arange(times.size), d)
    frac = (np.arange(rows.size) - np.repeat(np.cumsum(d) - d, d)) / d[rows]
    den = at_risk[0][rows] - frac * deaths[0][rows]
    mean = (at_risk[1][rows] - frac * deaths[1][rows]) / den
    var = (at_risk[2][rows] - frac * deaths[2][rows]) / den - mean**2
    x_dead = np.bincount(dead_index, xs[e == 1], times.size)
    return _Efron(
        times=times,
        loglik=float(beta * x_dead.sum() - np.log(den).sum()),
        score=x_dead - np.bincount(rows, mean, times.size),
        information=np.bincount(rows, var, times.size),
        mean_of_means=np.bincount(rows, mean, times.size) / d,
    )


def cox_fit(time, event, x) -> tuple[float, float]:
    """Cox log HR and its SE for one covariate (Efron ties, Wald SE), Newton with step halving to machine precision.

    Same estimate as R coxph (and lifelines at precision 1e-16), a hundred times faster than lifelines,
    which matters for the piecewise HRs.
    """
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    x = np.asarray(x, dtype=float)
    x = x - x.mean()
    beta, terms = 0.0, _efron(time, event, x, 0.0)
    for _ in range(100):
        step = terms.score.sum() / terms.information.sum()
        while True:
            trial = _efron(time, event, x, beta + step)
            if trial.loglik >= terms.loglik - 1e-12 or abs(step) < 1e-14:
                break
            step /= 2
        beta, terms = beta + step, trial
        if abs(step) < 1e-12 * max(1.0, abs(beta)):
            break
    return beta, float(1 / math.sqrt(terms.information.sum()))


def _transform(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "km":
        return 1.0 - km_at(time, event.astype(float), time, left=True)
    if transform == "identity":
        return time.astype(float)
    if transform == "rank":
        return pd.Series(time).rank().to_numpy()  # average ranks, as R's rank()
    raise ValueError(f"unknown transform {transform!r}")


def zph_test(time, event, x, beta: float, variance: float, transform: str = "km") -> dict:
    """cox.zph's GLOBAL test for one covariate, plus the scaled Schoenfeld residuals R plots."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    x = np.asarray(x, dtype=float)
    x = x - x.mean()  # zph1 recentres for stability; the statistic does not depend on it
    g_raw = _transform(time, event, transform)
    g = g_raw - g_raw[event == 1].mean()
    terms = _efron(time, event, x, beta)
    index = np.searchsorted(terms.times, time[event == 1])  # each death's event time
    gt = g[event == 1][np.unique(index, return_index=True)[1]]  # g at each distinct event time
    u2 = float(np.sum(gt * terms.score))  # the score for x * g(t); the one for x is zero at beta
    imat = np.array([[terms.information.sum(), np.sum(gt * terms.information)],
                     [np.sum(gt * terms.information), np.sum(gt * gt * terms.information)]])
    chisq = float(u2**2 * np.linalg.inv(imat)[1, 1])
    dead = np.flatnonzero(event == 1)
    order = np.argsort(time[dead], kind="stable")
    dead = dead[order]
    n_events = int(event.sum())
    return {
        "chisq": chisq,
        "df": 1,
        "p": float(chi2.sf(chisq, 1)),
        "transform": transform,
        "residuals": {
            "time": time[dead],
            "transformed_time": g_raw[dead],
            "scaled": (x[dead] - terms.mean_of_means[index[order]]) * variance * n_events + beta,
        },
    }


def piecewise_hr(time, event, x, cuts: Sequence[float], alpha: float = 0.05) -> list[dict]:
    """HR (x = 1 vs 0) on each interval (0, c1], (c1, c2], ..., (c_last, inf), as R coxph on survSplit data."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    bounds = [0.0, *sorted(float(c) for c in cuts), math.inf]
    rows = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        inside = (event == 1) & (time > start) & (time <= end)
        row = {"start": start, "end": None if math.isinf(end) else end, "events": int(inside.sum())}
        arms_with_events = np.unique(x[inside])
        if arms_with_events.size < 2:  # the partial likelihood has no maximum: R warns and reports nonsense
            note = "no events in this interval" if inside.sum() == 0 else "events in one arm only: HR not estimable"
            rows.append({**row, "estimate": None, "lower": None, "upper": None, "note": note})
            continue
        coef, se = cox_fit(np.minimum(time, end), inside.astype(int), x)
        half = _z(alpha) * se
        rows.append({**row, "estimate": math.exp(coef), "lower": math.exp(coef - half), "upper": math.exp(coef + half)})
    return rows


def rmst_ratio(arm: dict, reference: dict, alpha: float = 0.05) -> dict:
    """Ratio of two ``rmst`` entries of the stats JSON; CI by the delta method on log(ratio)."""
    log_ratio = math.log(arm["estimate"] / reference["estimate"])
    se = math.hypot(arm["se"] / arm["estimate"], reference["se"] / reference["estimate"])
    half = _z(alpha) * se
    return {"estimate": math.exp(log_ratio), "lower": math.exp(log_ratio - half), "upper": math.exp(log_ratio + half)}


def _km_with_variance(curve, t: float) -> tuple[float, float] | None:
    """KM S(t) and its Greenwood variance; None past the last observed time (as R summary(extend = FALSE))."""
    if t > curve.time[-1]:
        return None
    upto = curve.time <= t
    n, d = curve.n_risk[upto], curve.n_event[upto]
    surv = float(curve.surv[upto][-1]) if upto.any() else 1.0
    if np.any(n == d):  # the curve reached 0: R's std.err is 0 * Inf = NaN, so no CI
        return surv, math.nan
    return surv, surv * surv * float(np.sum(d / (n * (n - d))))


def milestone_differences(time1, event1, time0, event0, landmarks: Sequence[float], alpha: float = 0.05) -> dict:
    """S_arm(t) - S_reference(t) at each landmark, Wald CI with Greenwood variances (None past follow-up)."""
    curve1 = _km(np.asarray(time1, float), np.asarray(event1, int), alpha)
    curve0 = _km(np.asarray(time0, float), np.asarray(event0, int), alpha)
    out = {}
    for t in landmarks:
        a, b = _km_with_variance(curve1, t), _km_with_variance(curve0, t)
        if a is None or b is None:
            out[f"{t:g}"] = None
            continue
        diff, half = a[0] - b[0], _z(alpha) * math.sqrt(a[1] + b[1])
        if math.isnan(half):
            out[f"{t:g}"] = {"estimate": diff, "lower": None, "upper": None}
        else:
            out[f"{t:g}"] = {"estimate": diff, "lower": diff - half, "upper": diff + half}
    return out
