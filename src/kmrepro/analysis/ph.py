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

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from scipy.stats import chi2, norm

from kmrepro.analysis.km import km_at
from kmrepro.analysis.survival import _km


def _z(alpha: float) -> float:
    return float(norm.ppf(1 - alpha / 2))


def cox_fit(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Cox log HR and its SE for one covariate, Efron ties, stopped at machine precision as R."""
    data = pd.DataFrame({"time": time, "event": event, "x": np.asarray(x, dtype=float)})
    cox = CoxPHFitter().fit(data, "time", "event", fit_options={"precision": 1e-16, "r_precision": 1e-16})
    return float(cox.params_["x"]), float(cox.standard_errors_["x"])


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
    risk = np.exp(beta * x)
    u = np.zeros(2)
    imat = np.zeros((2, 2))
    resid_time, resid_g, resid = [], [], []
    for t in np.unique(time[event == 1])[::-1]:
        at_risk = time >= t
        dead = (time == t) & (event == 1)
        d = int(dead.sum())
        s0, s1, s2 = risk[at_risk].sum(), (risk * x)[at_risk].sum(), (risk * x * x)[at_risk].sum()
        d0, d1, d2 = risk[dead].sum(), (risk * x)[dead].sum(), (risk * x * x)[dead].sum()
        gt = g[dead][0]
        # Efron: the tied deaths leave the risk set in d equal steps
        frac = np.arange(d) / d
        den = s0 - frac * d0
        mean = (s1 - frac * d1) / den
        var = ((s2 - frac * d2) / den - mean**2).sum()
        score = x[dead].sum() - mean.sum()
        u += [score, gt * score]
        imat += var * np.array([[1, gt], [gt, gt * gt]])
        resid_time.extend([t] * d)
        resid_g.extend(g_raw[dead])
        resid.extend(x[dead] - mean.mean())
    chisq = float(u[1] ** 2 * np.linalg.inv(imat)[1, 1])  # u = (0, u2): the score at beta is zero
    order = np.argsort(resid_time, kind="stable")
    ev_time = np.asarray(resid_time)[order]
    n_events = int(event.sum())
    return {
        "chisq": chisq,
        "df": 1,
        "p": float(chi2.sf(chisq, 1)),
        "transform": transform,
        "residuals": {
            "time": ev_time,
            "transformed_time": np.asarray(resid_g)[order],
            "scaled": np.asarray(resid)[order] * variance * n_events + beta,
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


def _km_with_variance(time: np.ndarray, event: np.ndarray, t: float) -> tuple[float, float] | None:
    """KM S(t) and its Greenwood variance; None past the last observed time (as R summary(extend = FALSE))."""
    if t > time.max():
        return None
    curve = _km(time, event, 0.05)
    upto = curve.time <= t
    n, d = curve.n_risk[upto], curve.n_event[upto]
    surv = float(curve.surv[upto][-1]) if upto.any() else 1.0
    if np.any(n == d):  # the curve reached 0: R's std.err is 0 * Inf = NaN, so no CI
        return surv, math.nan
    return surv, surv * surv * float(np.sum(d / (n * (n - d))))


def milestone_differences(time1, event1, time0, event0, landmarks: Sequence[float], alpha: float = 0.05) -> dict:
    """S_arm(t) - S_reference(t) at each landmark, Wald CI with Greenwood variances (None past follow-up)."""
    out = {}
    for t in landmarks:
        a = _km_with_variance(np.asarray(time1, float), np.asarray(event1, int), t)
        b = _km_with_variance(np.asarray(time0, float), np.asarray(event0, int), t)
        if a is None or b is None:
            out[f"{t:g}"] = None
            continue
        diff, half = a[0] - b[0], _z(alpha) * math.sqrt(a[1] + b[1])
        if math.isnan(half):
            out[f"{t:g}"] = {"estimate": diff, "lower": None, "upper": None}
        else:
            out[f"{t:g}"] = {"estimate": diff, "lower": diff - half, "upper": diff + half}
    return out
