"""The nine one-sample survival models of flexsurv, written as log hazard and cumulative hazard.

Each family works on the optimiser's scale ``theta`` (positive parameters on the log scale, as
flexsurv's ``res.t``) and reports its parameters on flexsurv's natural scale (``res``). The
log-likelihood of right-censored data is sum(event * log h(t)) - sum(H(t)), which is flexsurv's
sum of log densities and log survivals written in one line.

Mapping from lifelines' parameterisations (for anyone comparing with lifelines' fitters):

=============  ==================================  =====================================
flexsurv       lifelines                           relation
=============  ==================================  =====================================
exp rate       ExponentialFitter lambda_           rate = 1 / lambda_
weibull        WeibullFitter lambda_, rho_         shape = rho_, scale = lambda_
gompertz       GompertzFitter (ours) shape_, rate_ identical
llogis         LogLogisticFitter alpha_, beta_     shape = beta_, scale = alpha_
lnorm          LogNormalFitter mu_, sigma_         meanlog = mu_, sdlog = sigma_
gengamma       GeneralizedGammaFitter mu_,         mu = mu_, sigma = exp(ln_sigma_),
               ln_sigma_, lambda_                  Q = lambda_
spline (k)     SplineFitter phi_0..               gamma_j = phi_j, with knots on log time
=============  ==================================  =====================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import special

from kmrepro.analysis.models.gompertz import gompertz_cumulative_hazard


@dataclass(frozen=True)
class Family:
    """One parametric model: hazards on the optimiser scale, and its flexsurv parameter names."""

    name: str
    par_names: tuple[str, ...]
    log_scale: tuple[bool, ...]  # True where flexsurv optimises log(parameter)
    log_hazard: Callable[[np.ndarray, np.ndarray], np.ndarray]
    cumulative_hazard: Callable[[np.ndarray, np.ndarray], np.ndarray]
    start: Callable[[np.ndarray, np.ndarray], np.ndarray]
    mean: Callable[[np.ndarray], float] | None = None  # closed form; None: integrate S numerically
    mean_is_finite: Callable[[np.ndarray], bool] = lambda theta: True
    knots: np.ndarray | None = field(default=None)
    #: optional fast log-likelihood builder for given data (splines precompute their basis once)
    prepare: Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], float]] | None = None

    def natural(self, theta: np.ndarray) -> dict[str, float]:
        return {n: float(math.exp(v) if lg else v) for n, v, lg in zip(self.par_names, theta, self.log_scale)}

    def survival(self, theta: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.exp(-self.cumulative_hazard(theta, np.asarray(t, dtype=float)))


def _log_phi(z: np.ndarray) -> np.ndarray:
    return -0.5 * z * z - 0.5 * math.log(2 * math.pi)


def _log_t(t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(t)


# --- exponential, Weibull, Gompertz, log-logistic, log-normal ----------------------------------------------


def _exp_start(t, e):
    return np.array([math.log(e.sum() / t.sum())])


def exponential() -> Family:
    return Family(
        "exponential", ("rate",), (True,),
        log_hazard=lambda th, t: np.full_like(t, th[0]),
        cumulative_hazard=lambda th, t: math.exp(th[0]) * t,
        start=_exp_start,
        mean=lambda th: math.exp(-th[0]),
    )


def _weibull_start(t, e):
    # flexsurv starts from survreg; a moment guess on the event times is enough for a concave problem
    lt = np.log(t[e == 1]) if e.sum() > 1 else np.log(t)
    shape = 1.28 / max(lt.std(ddof=1), 1e-3) if lt.size > 1 else 1.0
    return np.array([math.log(shape), float(lt.mean()) + 0.572 / shape])


def weibull() -> Family:
    def log_hazard(th, t):
        a, b = math.exp(th[0]), th[1]
        return th[0] - b + (a - 1) * (_log_t(t) - b)

    return Family(
        "weibull", ("shape", "scale"), (True, True),
        log_hazard=log_hazard,
        cumulative_hazard=lambda th, t: np.exp(math.exp(th[0]) * (_log_t(t) - th[1])),
        start=_weibull_start,
        mean=lambda th: math.exp(th[1] + special.gammaln(1 + math.exp(-th[0]))),
    )


def _gompertz_mean(th) -> float:
    """E[T] = exp(b/a) E1(b/a) / a for shape a > 0 (1/rate at a = 0); infinite for a < 0."""
    a, b = th[0], math.exp(th[1])
    if a == 0:
        return 1 / b
    x = b / a
    return float(special.exp1(x) * math.exp(x) / a) if x < 700 else float((1 - 1 / x + 2 / x**2) / b)


def gompertz() -> Family:
    return Family(
        "gompertz", ("shape", "rate"), (False, True),
        log_hazard=lambda th, t: th[1] + th[0] * t,
        cumulative_hazard=lambda th, t: gompertz_cumulative_hazard(th[0], math.exp(th[1]), t),
        start=lambda t, e: np.array([0.001, math.log(1 / t.mean())]),  # flexsurv's inits
        mean=_gompertz_mean,
        mean_is_finite=lambda th: th[0] >= 0,
    )


def loglogistic() -> Family:
    def log_hazard(th, t):
        a = math.exp(th[0])
        z = a * (_log_t(t) - th[1])
        return th[0] - th[1] + (a - 1) * (_log_t(t) - th[1]) - np.logaddexp(0, z)

    def mean(th):
        a = math.exp(th[0])
        return math.exp(th[1]) * (math.pi / a) / math.sin(math.pi / a)

    return Family(
        "loglogistic", ("shape", "scale"), (True, True),
        log_hazard=log_hazard,
        cumulative_hazard=lambda th, t: np.logaddexp(0, math.exp(th[0]) * (_log_t(t) - th[1])),
        start=lambda t, e: np.array([0.0, math.log(np.median(t))]),
        mean=mean,
        mean_is_finite=lambda th: math.exp(th[0]) > 1,
    )


def lognormal() -> Family:
    def z(th, t):
        return (_log_t(t) - th[0]) / math.exp(th[1])

    def log_hazard(th, t):
        zz = z(th, t)
        return _log_phi(zz) - th[1] - _log_t(t) - special.log_ndtr(-zz)

    def start(t, e):
        lt = np.log(t)
        return np.array([float(lt.mean()), math.log(max(lt.std(ddof=1), 1e-3))])

    return Family(
        "lognormal", ("meanlog", "sdlog"), (False, True),
        log_hazard=log_hazard,
        cumulative_hazard=lambda th, t: -special.log_ndtr(-z(th, t)),
        start=start,
        mean=lambda th: math.exp(th[0] + math.exp(2 * th[1]) / 2),
    )


# --- generalised gamma (Prentice 1974, flexsurv's "gengamma") -------------------------------------------

#: Below this |Q| the model is the log-normal (flexsurv switches at Q == 0 exactly).
_Q_LOGNORMAL = 1e-9


def _stirling_remainder(k: float) -> float:
    """gammaln(k) - ((k - 1/2) log k - k + log(2 pi)/2), without the cancellation of the direct formula for large k."""
    if k < 10:
        return float(special.gammaln(k) - ((k - 0.5) * math.log(k) - k + 0.5 * math.log(2 * math.pi)))
    return 1 / (12 * k) - 1 / (360 * k**3) + 1 / (1260 * k**5)


@np.errstate(all="ignore")
def _gengamma_log_surv_dens(th, t):
    """log S and log f of Prentice's generalised gamma, stable as Q -> 0 (where k = 1/Q^2 is huge).

    log f = -log(sigma t) + log|Q| + k log k + k (Qw - exp(Qw)) - lgamma(k) is rewritten as
    -log(sigma t) - log(2 pi)/2 - stirling_remainder(k) - (exp(Qw) - 1 - Qw) / Q^2, whose terms stay O(1).
    """
    mu, sigma, q = th[0], math.exp(th[1]), th[2]
    lt = _log_t(t)
    w = (lt - mu) / sigma
    if abs(q) < _Q_LOGNORMAL:
        return special.log_ndtr(-w), _log_phi(w) - math.log(sigma) - lt
    k = q**-2
    y = q * w
    excess = np.where(np.abs(y) < 1e-4, y * y / 2 + y**3 / 6 + y**4 / 24, np.expm1(y) - y)
    log_dens = -math.log(sigma) - lt - 0.5 * math.log(2 * math.pi) - _stirling_remainder(k) - excess / (q * q)
    u = k * np.exp(y)
    surv = special.gammaincc(k, u) if q > 0 else special.gammainc(k, u)
    return np.log(surv), log_dens


def _gengamma_mean(th) -> float:
    """T = exp(mu) (Q^2 G)^(sigma/Q), G ~ Gamma(1/Q^2): E[T] = exp(mu) Q^(2 sigma/Q) Gamma(k + sigma/Q) / Gamma(k)."""
    mu, sigma, q = th[0], math.exp(th[1]), th[2]
    if abs(q) < _Q_LOGNORMAL:
        return math.exp(mu + sigma**2 / 2)
    k, a = q**-2, sigma / q
    return math.exp(mu + a * math.log(q * q) + special.gammaln(k + a) - special.gammaln(k))


def gengamma() -> Family:
    def log_hazard(th, t):
        log_surv, log_dens = _gengamma_log_surv_dens(th, t)
        return log_dens - log_surv

    def start(t, e):
        lt = np.log(t[t > 0])  # flexsurv's inits: every observed time, censored or not
        return np.array([float(lt.mean()), math.log(float(lt.std(ddof=1))), 0.0])

    return Family(
        "gengamma", ("mu", "sigma", "Q"), (False, True, False),
        log_hazard=log_hazard,
        cumulative_hazard=lambda th, t: -_gengamma_log_surv_dens(th, t)[0],
        start=start,
        mean=_gengamma_mean,
        mean_is_finite=lambda th: th[2] >= 0 or math.exp(th[1]) * abs(th[2]) < 1,
    )


# --- Royston-Parmar splines on log cumulative hazard (flexsurvspline, scale = "hazard") --------------------


def default_knots(time: np.ndarray, event: np.ndarray, k: int) -> np.ndarray:
    """flexsurvspline's default: boundary knots at the extreme log event times, internal ones at their quantiles."""
    log_event_times = np.log(time[(event == 1) & (time > 0)])
    return np.quantile(log_event_times, np.linspace(0, 1, k + 2))  # R's quantile type 7


def spline_basis(knots: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Royston-Parmar natural cubic basis in x = log t and its derivative in x (flexsurv's basis/dbasis)."""
    kmin, kmax, inner = knots[0], knots[-1], knots[1:-1]
    lam = (kmax - inner) / (kmax - kmin)
    x = np.asarray(x, dtype=float)[:, None]

    def cube(c, power):
        return np.clip(x - c, 0, None) ** power

    b = cube(inner, 3) - lam * cube(kmin, 3) - (1 - lam) * cube(kmax, 3)
    db = 3 * (cube(inner, 2) - lam * cube(kmin, 2) - (1 - lam) * cube(kmax, 2))
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    return np.hstack([ones, x, b]), np.hstack([zeros, ones, db])


def spline(k: int, time: np.ndarray, event: np.ndarray) -> Family:
    """The spline with k internal knots at flexsurv's default places for these data."""
    return spline_on_knots(default_knots(time, event, k))


def spline_on_knots(knots: np.ndarray) -> Family:
    k = len(knots) - 2

    def log_hazard(th, t):
        with np.errstate(divide="ignore", invalid="ignore"):
            basis, dbasis = spline_basis(knots, _log_t(t))
            return np.log(dbasis @ th) - _log_t(t) + basis @ th  # NaN where dlogH/dlogt <= 0: not a hazard

    def cumulative_hazard(th, t):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t > 0, np.exp(spline_basis(knots, _log_t(t))[0] @ th), 0.0)

    def start(t, e):
        """Least squares of log(-log KM) on the basis at the event times, as flexsurv's own start."""
        from kmrepro.analysis.km import km_at

        times = np.unique(t[(e == 1) & (t > 0)])
        surv = km_at(t, e.astype(float), times)
        ok = (surv > 0) & (surv < 1)
        basis = spline_basis(knots, np.log(times[ok]))[0]
        return np.linalg.lstsq(basis, np.log(-np.log(surv[ok])), rcond=None)[0]

    def prepare(t, e):
        ev = (e == 1) & (t > 0)
        basis_pos = spline_basis(knots, np.log(t[t > 0]))[0]  # H(0) = 0: time-0 rows add nothing
        basis_ev, dbasis_ev = spline_basis(knots, np.log(t[ev]))
        log_t_ev = np.log(t[ev]).sum()

        def loglik(th):
            with np.errstate(all="ignore"):
                return float(np.sum(np.log(dbasis_ev @ th)) - log_t_ev + np.sum(basis_ev @ th)
                             - np.sum(np.exp(basis_pos @ th)))

        return loglik

    def mean_is_finite(th):
        # log H is linear in log t past the last knot: the mean is finite iff that slope is positive
        return float((spline_basis(knots, np.array([knots[-1] + 1.0]))[1] @ th)[0]) > 0

    return Family(
        f"spline{k}", tuple(f"gamma{j}" for j in range(k + 2)), (False,) * (k + 2),
        log_hazard=log_hazard,
        cumulative_hazard=cumulative_hazard,
        start=start,
        mean_is_finite=mean_is_finite,
        knots=knots,
        prepare=prepare,
    )
