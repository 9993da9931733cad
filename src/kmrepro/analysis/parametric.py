"""Per-arm parametric survival models for extrapolation, matching R flexsurv (NICE DSU TSD 14).

Nine models (kmrepro.analysis.models.families): exponential, Weibull, Gompertz, log-logistic,
log-normal, generalised gamma and Royston-Parmar splines on the log cumulative hazard with 1-3
internal knots at flexsurv's default places. Maximum likelihood with BFGS on flexsurv's optimiser
scale, from flexsurv's start for the generalised gamma (its likelihood has several local maxima
and the expected answer is the one flexsurv reaches), then polished with Newton steps so that the
log-likelihood is the true maximum (flexsurv's own stop can fall 1e-4 short; see
../shared/reference/flexsurv/README.md).

Conventions: BIC = -2 loglik + npars * log(number of patients), as flexsurv. The restricted mean to
the horizon is the area under S(t); its 95 % CI is by the delta method on the optimiser scale
(numerical gradient, inverse of the observed information): deterministic, where flexsurv draws
from the asymptotic normal. The mean is the area under the whole curve, null where it is infinite
(decided analytically from the estimates, as the reference script does).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.stats import norm

from kmrepro.analysis.models import families
from kmrepro.analysis.models.families import Family

MODEL_NAMES = ("exponential", "weibull", "gompertz", "loglogistic", "lognormal", "gengamma",
               "spline1", "spline2", "spline3")


def make_family(name: str, time: np.ndarray, event: np.ndarray) -> Family:
    if name.startswith("spline"):
        return families.spline(int(name[-1]), time, event)
    return getattr(families, name)()


def fitted_family(name: str, entry: dict) -> tuple[Family, np.ndarray]:
    """(family, theta) back from one ``models.<name>`` entry of the stats JSON, to draw its curves."""
    if name.startswith("spline"):
        family = families.spline_on_knots(np.asarray(entry["knots_log_time"], dtype=float))
    else:
        family = getattr(families, name)()
    theta = [math.log(entry["params"][p]) if lg else entry["params"][p] for p, lg in zip(family.par_names, family.log_scale)]
    return family, np.asarray(theta, dtype=float)


@dataclass
class Fit:
    family: Family
    theta: np.ndarray
    loglik: float
    covariance: np.ndarray | None  # of theta; None when the information is not positive definite
    note: str | None  # why the fit cannot be trusted; None when it converged cleanly


def log_likelihood(family: Family, theta: np.ndarray, time: np.ndarray, event: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        ev = event == 1
        value = float(np.sum(family.log_hazard(theta, time[ev])) - np.sum(family.cumulative_hazard(theta, time)))
    return value if math.isfinite(value) else -math.inf


def _hessian(f, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian; the step suits log-likelihoods of a few hundred patients."""
    n = x.size
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    out = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            out[i, j] = out[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return out


def _gradient(f, x: np.ndarray) -> np.ndarray:
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    return np.array([(f(x + np.eye(x.size)[i] * h[i]) - f(x - np.eye(x.size)[i] * h[i])) / (2 * h[i]) for i in range(x.size)])


def fit_model(family: Family, time: np.ndarray, event: np.ndarray) -> Fit:
    """Maximum likelihood: BFGS from the family's start, then Newton steps to the exact maximum."""
    loglik_of = family.prepare(time, event) if family.prepare else (lambda th: log_likelihood(family, th, time, event))

    def exact_negll(th):  # +inf outside the model's domain, so derivatives there come out non-finite
        value = -loglik_of(th)
        return value if math.isfinite(value) else math.inf

    def negll(th):  # what the optimiser sees: a large finite wall instead of inf
        return min(exact_negll(th), 1e300)

    start = family.start(time, event)
    result = optimize.minimize(negll, start, method="BFGS", jac="3-point", options={"gtol": 1e-6, "maxiter": 2000})
    theta = result.x
    for _ in range(20):  # Newton polish; stops as soon as a step no longer improves
        hess = _hessian(exact_negll, theta)
        if not np.all(np.isfinite(hess)):
            break
        try:
            step = np.linalg.solve(hess, _gradient(exact_negll, theta))
        except np.linalg.LinAlgError:
            break
        if not negll(theta - step) < negll(theta):
            break
        theta = theta - step
        if np.max(np.abs(step)) < 1e-10:
            break
    loglik = -exact_negll(theta)
    with np.errstate(all="ignore"):
        hess = _hessian(exact_negll, theta)
    note = None
    covariance = None
    if not math.isfinite(loglik):
        note = "did not converge: no finite log-likelihood found"
    elif not np.all(np.isfinite(hess)) or np.any(np.linalg.eigvalsh(hess) <= 0) or np.linalg.cond(hess) > 1e14:
        note = "did not converge to a maximum: the information matrix is singular or not positive definite"
    else:
        covariance = np.linalg.inv(hess)
        if np.max(np.abs(_gradient(exact_negll, theta) * np.sqrt(np.diag(covariance)))) > 1e-3:
            note = "did not converge: the score is not zero at the estimate"
    return Fit(family, theta, loglik, covariance, note)


def degenerate_gengamma(fit: Fit) -> bool:
    """The generalised gamma run off towards sigma -> 0, |Q| -> large (heaped event times).

    There the density approaches a point mass on log time; its likelihood can beat every other
    model's while extrapolating nonsense. sigma < 0.05 with |Q| > 5 (or a singular information)
    marks that edge of the parameter space.
    """
    if fit.family.name != "gengamma":
        return False
    sigma, q = math.exp(fit.theta[1]), fit.theta[2]
    return bool((sigma < 0.05 and abs(q) > 5) or fit.covariance is None)


def restricted_mean(fit: Fit, tau: float) -> float:
    if fit.family.name == "exponential":
        rate = math.exp(fit.theta[0])
        return -math.expm1(-rate * tau) / rate
    return _area(fit.family, fit.theta, 0.0, tau)


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)


def _gauss_legendre(f, a: float, b: float, panels: int = 64) -> float:
    edges = np.linspace(a, b, panels + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    x = (lo + hi) / 2 + (hi - lo) / 2 * _GL_NODES
    with np.errstate(all="ignore"):
        values = f(x.ravel()).reshape(x.shape)
    return float(np.sum((hi - lo) / 2 * values * _GL_WEIGHTS))


def _area(family: Family, theta: np.ndarray, a: float, b: float) -> float:
    """Area under S from a to b by composite 16-point Gauss-Legendre, vectorised.

    The panels are uniform in sqrt(t), denser near 0 where a hazard may be infinite (Weibull shape < 1).
    """
    return _gauss_legendre(lambda r: 2 * r * family.survival(theta, r * r), math.sqrt(a), math.sqrt(b))


def _spline_tail_area(family: Family, theta: np.ndarray) -> float:
    """Area under a spline's S past its last knot, where log H = c + slope * log t (slope > 0).

    On u = log t the integrand exp(u - H) dies double-exponentially; it is integrated up to H = 800.
    """
    u0 = family.knots[-1]
    log_h0, log_h1 = np.log(family.cumulative_hazard(theta, np.exp([u0, u0 + 1.0])))
    slope = log_h1 - log_h0
    if log_h0 > math.log(800):
        return 0.0
    u_end = u0 + (math.log(800) - log_h0) / slope
    return _gauss_legendre(lambda u: np.exp(u) * family.survival(theta, np.exp(u)), u0, u_end, panels=128)


def mean_survival(fit: Fit) -> float | None:
    """The area under the whole curve; None where it is infinite."""
    family, theta = fit.family, fit.theta
    if not family.mean_is_finite(theta):
        return None
    if family.mean is not None:
        return float(family.mean(theta))
    return _area(family, theta, 0.0, math.exp(family.knots[-1])) + _spline_tail_area(family, theta)


def quantile_time(fit: Fit, p: float = 0.5) -> float | None:
    """The time S(t) first reaches p (the median for p = 0.5); None if it never does."""
    f = fit.family
    hi = 1.0
    while float(f.survival(fit.theta, np.array([hi]))[0]) > p:
        hi *= 2
        if hi > 1e12:
            return None
    return float(optimize.brentq(lambda t: float(f.survival(fit.theta, np.array([t]))[0]) - p, 0.0, hi, xtol=1e-12, rtol=1e-12))


def _restricted_mean_ci(fit: Fit, tau: float, estimate: float, alpha: float) -> tuple[float | None, float | None]:
    if fit.covariance is None:
        return None, None
    h = 1e-5 * np.maximum(1.0, np.abs(fit.theta))
    grad = np.empty(fit.theta.size)
    for i in range(fit.theta.size):
        step = np.eye(fit.theta.size)[i] * h[i]
        up = Fit(fit.family, fit.theta + step, fit.loglik, None, None)
        down = Fit(fit.family, fit.theta - step, fit.loglik, None, None)
        grad[i] = (restricted_mean(up, tau) - restricted_mean(down, tau)) / (2 * h[i])
    se = math.sqrt(max(float(grad @ fit.covariance @ grad), 0.0))
    z = float(norm.ppf(1 - alpha / 2))
    return estimate - z * se, estimate + z * se


def _key(t: float) -> str:
    return f"{t:g}"


def summarise_fit(fit: Fit, n: int, landmarks: Sequence[float], horizon: float, alpha: float = 0.05) -> dict:
    """One entry of ``models`` in the stats JSON."""
    npars = fit.theta.size
    times = sorted(set(map(float, landmarks)) | {float(horizon)})
    surv = fit.family.survival(fit.theta, np.array(times))
    rm = restricted_mean(fit, horizon)
    lower, upper = _restricted_mean_ci(fit, horizon, rm, alpha)
    entry = {
        "loglik": fit.loglik,
        "aic": -2 * fit.loglik + 2 * npars,
        "bic": -2 * fit.loglik + npars * math.log(n),
        "npars": npars,
        "params": fit.family.natural(fit.theta),
        "survival": {_key(t): float(s) for t, s in zip(times, surv)},
        "restricted_mean": {"tau": float(horizon), "estimate": rm, "lower": lower, "upper": upper},
        "mean": mean_survival(fit),
        "median": quantile_time(fit),
        "converged": fit.note is None,
        "note": fit.note,
        "degenerate": degenerate_gengamma(fit),
    }
    if _has_non_finite(entry):
        entry = _without_non_finite(entry)
        entry["note"] = (entry["note"] or "fit unusable") + "; quantities that came out non-finite are null"
    if fit.family.knots is not None:
        entry["knots_log_time"] = [float(k) for k in fit.family.knots]
    if entry["degenerate"]:
        entry["note"] = "degenerate generalised gamma fit (sigma -> 0, |Q| large): not eligible as best model"
    return entry


def _has_non_finite(value) -> bool:
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    return isinstance(value, float) and not math.isfinite(value)


def _without_non_finite(value):
    if isinstance(value, dict):
        return {k: _without_non_finite(v) for k, v in value.items()}
    return None if isinstance(value, float) and not math.isfinite(value) else value


def fit_models(time: Sequence[float], event: Sequence[int], landmarks: Sequence[float], horizon: float,
               alpha: float = 0.05, names: Sequence[str] = MODEL_NAMES) -> dict:
    """Every model for one arm, keyed by name, with ``best_by_aic`` marking the eligible best fit."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=int)
    models = {}
    for name in names:
        npars = _npars(name)
        if e.sum() < npars:
            models[name] = _not_fitted(f"not fitted: {int(e.sum())} events for {npars} parameters", horizon)
            continue
        fit = fit_model(make_family(name, t, e), t, e)
        models[name] = summarise_fit(fit, t.size, landmarks, horizon, alpha)
    return models


def _npars(name: str) -> int:
    return int(name[-1]) + 2 if name.startswith("spline") else len(getattr(families, name)().par_names)


def _not_fitted(note: str, horizon: float) -> dict:
    return {"loglik": None, "aic": None, "bic": None, "npars": None, "params": None, "survival": None,
            "restricted_mean": {"tau": float(horizon), "estimate": None, "lower": None, "upper": None},
            "mean": None, "median": None, "converged": False, "note": note, "degenerate": False}


def best_model(models: dict, criterion: str = "aic") -> str | None:
    """The converged, non-degenerate model with the smallest AIC (or BIC)."""
    eligible = {k: m[criterion] for k, m in models.items() if m["converged"] and not m["degenerate"]}
    return min(eligible, key=eligible.get) if eligible else None
