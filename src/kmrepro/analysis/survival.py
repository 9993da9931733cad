"""Survival summaries of reconstructed IPD, matching R `survival` conventions.

Published trial reports are computed with R or SAS, so a regenerated number is only comparable when
it follows the same conventions: log-log Greenwood bands, Brookmeyer-Crowley medians read off those
bands (with R's plateau-midpoint rule), RMST with survival:::survmean's variance, Cox with Efron
ties and Wald inference, and the survdiff log-rank test. tests/reference/ holds R's own numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy.stats import norm

from kmrepro.schemas import read_schema, schema_problem
from kmrepro.errors import InputError
from kmrepro.io import write_json_atomic
from kmrepro.analysis.km import first_below_half



@dataclass(frozen=True)
class _KMEstimate:
    """A Kaplan-Meier step function at every distinct observed time, as R's survfit stores it."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    surv: np.ndarray
    lower: np.ndarray  # NaN where R's log-log band is undefined (S = 0 or 1)
    upper: np.ndarray


def _z(alpha: float) -> float:
    return float(norm.ppf(1 - alpha / 2))


def _check_settings(landmarks: Sequence[float], tau: float, alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"RMST tau must be a positive number, got {tau}")
    if not all(math.isfinite(x) and x >= 0 for x in landmarks):
        raise ValueError(f"landmarks must be numbers >= 0, got {list(landmarks)}")


def _validate(time: Iterable[float], event: Iterable[int], what: str) -> tuple[np.ndarray, np.ndarray]:
    """Reject input that would otherwise give silently wrong curves rather than an error."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.ndim != 1 or t.shape != e.shape:
        raise ValueError(f"{what}: time and event must be 1-D and of equal length")
    if t.size == 0:
        raise ValueError(f"{what}: no observations")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"{what}: times must be finite and >= 0")
    if not np.all(np.isin(e, (0, 1))):
        raise ValueError(f"{what}: event must be 0 (censored) or 1 (event)")
    return t, e.astype(int)


def _km(time: np.ndarray, event: np.ndarray, alpha: float) -> _KMEstimate:
    """Fit the KM with lifelines and add R's log-log Greenwood band (survfit_confint)."""
    kmf = KaplanMeierFitter().fit(time, event)
    table = kmf.event_table
    observed = table["removed"].to_numpy() > 0  # drop lifelines' synthetic t=0 row
    n = table["at_risk"].to_numpy(dtype=float)[observed]
    d = table["observed"].to_numpy(dtype=float)[observed]
    surv = kmf.survival_function_.iloc[:, 0].to_numpy()[observed]
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = np.sqrt(np.cumsum(d / (n * (n - d))))
        defined = (surv > 0) & (surv < 1)
        s = np.where(defined, surv, np.nan)
        shift = _z(alpha) * se_log / np.log(s)
        lower = np.exp(-np.exp(np.log(-np.log(s)) - shift))
        upper = np.exp(-np.exp(np.log(-np.log(s)) + shift))
    time_index = table.index.to_numpy(dtype=float)[observed]
    return _KMEstimate(time_index, n, d, surv, lower, upper)


def _median(curve: _KMEstimate) -> dict:
    return {
        "estimate": first_below_half(curve.time, curve.surv),
        "lower": first_below_half(curve.time, curve.lower),
        "upper": first_below_half(curve.time, curve.upper),
    }


def _num(x: float) -> float | None:
    """JSON-safe number: NaN (R's NA) becomes None."""
    return None if x is None or np.isnan(x) else float(x)


def _survival_at(curve: _KMEstimate, t: float) -> dict | None:
    """S(t) with its band; None past the last observed time (R summary(..., extend=FALSE)).

    Where S(t) = 1 the band is reported as [1, 1] (R does so before the first observed time but
    gives NA after an early censoring); where S(t) = 0 the band is None, as in R.
    """
    if t > curve.time[-1]:
        return None
    i = np.searchsorted(curve.time, t, side="right") - 1
    if i < 0 or curve.surv[i] == 1:
        return {"estimate": 1.0, "lower": 1.0, "upper": 1.0}
    return {"estimate": float(curve.surv[i]), "lower": _num(curve.lower[i]), "upper": _num(curve.upper[i])}


def _rmst(curve: _KMEstimate, tau: float) -> tuple[float, float]:
    """KM area to tau and its SE exactly as survival:::survmean (print(fit, rmean=tau)).

    Var = sum over event times t_j <= tau of A_j^2 d_j / (n_j (n_j - d_j)), A_j the area from t_j
    to tau (no n/(n-1) correction). Past the last observed time the curve is carried forward, as R does.
    """
    keep = curve.time <= tau
    times = np.append(curve.time[keep], tau)
    surv = curve.surv[keep]
    n, d = curve.n_risk[keep], curve.n_event[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_term = np.where(n - d == 0, 0.0, d / (n * (n - d)))
    rectangles = np.diff(np.concatenate(([0.0], times))) * np.concatenate(([1.0], surv))
    area_after = np.cumsum(rectangles[::-1])[::-1][1:]  # area from each kept time to tau
    return float(rectangles.sum()), float(math.sqrt(np.sum(area_after**2 * hazard_term)))


def _interval(estimate: float, se: float, alpha: float) -> dict:
    half = _z(alpha) * se
    return {"estimate": estimate, "lower": estimate - half, "upper": estimate + half}


def _landmark_key(t: float) -> str:
    return f"{t:g}"


def summarise_arm(
    time: Sequence[float], event: Sequence[int], landmarks: Sequence[float], tau: float, alpha: float = 0.05
) -> dict:
    """One arm's entry of the stats JSON: everything a trial report tabulates per arm."""
    _check_settings(landmarks, tau, alpha)
    t, e = _validate(time, event, "arm")
    curve = _km(t, e, alpha)
    rmst, rmst_se = _rmst(curve, tau)
    follow_up = _km(t, 1 - e, alpha)  # reverse KM: censoring is the "event"
    return {
        "n": int(t.size),
        "events": int(e.sum()),
        "median": _median(curve),
        "survival": {_landmark_key(x): _survival_at(curve, x) for x in landmarks},
        "rmst": {"tau": float(tau), "estimate": rmst, "se": rmst_se, **_interval(rmst, rmst_se, alpha)},
        "median_follow_up": _median(follow_up),
    }


def _arm_data(df: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    rows = df[df["arm"] == name]
    if rows.empty:
        raise ValueError(f"arm {name!r} has no rows (arms present: {sorted(map(str, df['arm'].unique()))})")
    return _validate(rows["time"], rows["event"], f"arm {name!r}")


def compare_arms(df: pd.DataFrame, arm: str, reference: str, tau: float, alpha: float = 0.05) -> dict:
    """The between-arm effects a trial reports: Cox HR, log-rank test and RMST difference."""
    _check_settings((), tau, alpha)
    t1, e1 = _arm_data(df, arm)
    t0, e0 = _arm_data(df, reference)
    data = pd.DataFrame(
        {"time": np.concatenate([t1, t0]), "event": np.concatenate([e1, e0]), "x": [1.0] * t1.size + [0.0] * t0.size}
    )
    # lifelines' default stop (damped Newton, decrement < 1e-7) leaves ~1e-5 relative error in the HR
    # against R's coxph; stopping only at machine precision reaches R's own accuracy.
    cox = CoxPHFitter().fit(data, "time", "event", fit_options={"precision": 1e-16, "r_precision": 1e-16})
    coef, se = float(cox.params_["x"]), float(cox.standard_errors_["x"])
    log_hr = _interval(coef, se, alpha)
    logrank = logrank_test(t1, t0, e1, e0)
    r1, se1 = _rmst(_km(t1, e1, alpha), tau)
    r0, se0 = _rmst(_km(t0, e0, alpha), tau)
    return {
        "arm": arm,
        "reference": reference,
        "hazard_ratio": {
            "estimate": math.exp(coef),
            "lower": math.exp(log_hr["lower"]),
            "upper": math.exp(log_hr["upper"]),
            "p": float(2 * norm.sf(abs(coef / se))),
        },
        "logrank": {"chisq": float(logrank.test_statistic), "p": float(logrank.p_value)},
        "rmst_difference": _interval(r1 - r0, math.hypot(se1, se0), alpha),
    }


def analyse_endpoint(
    ipd: pd.DataFrame,
    arms: list[str],
    reference: str,
    landmarks: Sequence[float],
    tau: float,
    trial_id: str,
    endpoint_id: str,
    time_unit: str,
    alpha: float = 0.05,
    source: str | Path | None = None,
    horizon: float | None = None,
    piecewise_cuts: Sequence[float] = (),
) -> dict:
    """The whole stats/<endpoint>.json; ``source`` names the IPD file in errors.

    A two-arm endpoint has one ``comparison``. A figure may show three or more arms (treatments, or a
    treatment crossed with a subgroup): it has ``comparisons``, every other arm against ``reference``, each
    fitted on that pair's patients alone, as papers report pairwise hazard ratios. With ``horizon``, also
    the extrapolation models and PH checks of kmrepro.analysis.extended.
    """
    missing = {"arm", "time", "event"} - set(ipd.columns)
    if missing:
        raise InputError(source, f"IPD lacks column(s) {sorted(missing)}")
    if reference not in arms or len(arms) < 2 or len(set(arms)) != len(arms):
        raise InputError(source, f"need two or more distinct arms including the reference {reference!r}, got {arms}")
    unknown = set(map(str, ipd["arm"].unique())) - set(arms)
    if unknown:
        raise InputError(source, f"IPD has unknown arm(s) {sorted(unknown)}; expected {arms}")
    _check_settings(landmarks, tau, alpha)  # outside the try: a bad setting is not the IPD file's fault
    try:
        per_arm = {a: summarise_arm(*_arm_data(ipd, a), landmarks, tau, alpha) for a in arms}
        comparisons = {a: compare_arms(ipd, a, reference, tau, alpha) for a in arms if a != reference}
    except ValueError as err:
        if source is None:
            raise
        raise InputError(source, str(err)) from err
    effects = {"comparison": next(iter(comparisons.values()))} if len(comparisons) == 1 else {"comparisons": comparisons}
    stats = {
        "trial": trial_id,
        "endpoint": endpoint_id,
        "time_unit": time_unit,
        "conventions": {
            "median_ci": "Brookmeyer-Crowley, log-log",
            "survival_ci": "Greenwood, log-log",
            "ties": "Efron",
            "hr_ci": "Wald",
            "rmst_tau": float(tau),
            "confidence": 1 - alpha,
        },
        "arms": per_arm,
        **effects,
    }
    if horizon is None:
        return stats
    from kmrepro.analysis.extended import extend_stats  # it builds on this module

    arm_data = {a: _arm_data(ipd, a) for a in arms}
    return extend_stats(stats, arm_data, reference, landmarks, horizon, piecewise_cuts, alpha)


def write_stats(path: str | Path, stats: dict, schema_path: str | Path) -> None:
    """Write a stats file once it meets the stats contract (stats.schema.yaml), which the claims rely on."""
    problem = schema_problem(stats, read_schema(schema_path))
    if problem is not None:
        raise ValueError(f"stats of endpoint {stats.get('endpoint')!r} break {schema_path}: {problem}")
    write_json_atomic(path, stats)
