"""What analysts do next with reconstructed IPD: per-arm extrapolation models and checks of the single HR.

Adds to one endpoint's stats JSON (see kmrepro.analysis.survival.analyse_endpoint):
per arm ``models.<name>`` (kmrepro.analysis.parametric) and ``model_selection``; in ``comparison``
``ph_test``, ``piecewise_hr``, ``rmst_ratio`` and ``milestone_differences`` (kmrepro.analysis.ph).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kmrepro.results import comparisons
from kmrepro.analysis import parametric, ph


def pooled(arm_data: dict[str, tuple[np.ndarray, np.ndarray]], arm: str, reference: str):
    """(time, event, x) of both arms, x = 1 for ``arm`` and 0 for ``reference``."""
    (t1, e1), (t0, e0) = arm_data[arm], arm_data[reference]
    return np.concatenate([t1, t0]), np.concatenate([e1, e0]), np.concatenate([np.ones(t1.size), np.zeros(t0.size)])


def ph_test(arm_data: dict[str, tuple[np.ndarray, np.ndarray]], arm: str, reference: str) -> dict:
    """cox.zph (transform km) at the Cox fit of arm vs reference, with its residuals and ``log_hr``."""
    time, event, x = pooled(arm_data, arm, reference)
    coef, se = ph.cox_fit(time, event, x)
    return {**ph.zph_test(time, event, x, coef, se**2, "km"), "log_hr": coef}


def extend_stats(
    stats: dict,
    arm_data: dict[str, tuple[np.ndarray, np.ndarray]],
    reference: str,
    landmarks: Sequence[float],
    horizon: float,
    piecewise_cuts: Sequence[float] = (),
    alpha: float = 0.05,
) -> dict:
    """Return ``stats`` with the extrapolation models and PH checks added (``arm_data``: arm -> (time, event))."""
    for name, (time, event) in arm_data.items():
        models = parametric.fit_models(time, event, landmarks, horizon, alpha)
        stats["arms"][name]["models"] = models
        stats["arms"][name]["model_selection"] = {
            "aic": parametric.best_model(models, "aic"),
            "bic": parametric.best_model(models, "bic"),
        }
    for arm, comparison in comparisons(stats).items():  # arm None: the one comparison of a two-arm endpoint
        arm = arm or next(a for a in arm_data if a != reference)
        time, event, x = pooled(arm_data, arm, reference)
        test = ph_test(arm_data, arm, reference)
        (t1, e1), (t0, e0) = arm_data[arm], arm_data[reference]
        comparison["ph_test"] = {k: test[k] for k in ("chisq", "df", "p", "transform")}
        comparison["piecewise_hr"] = ph.piecewise_hr(time, event, x, piecewise_cuts, alpha)
        comparison["rmst_ratio"] = ph.rmst_ratio(stats["arms"][arm]["rmst"], stats["arms"][reference]["rmst"], alpha)
        comparison["milestone_differences"] = ph.milestone_differences(t1, e1, t0, e0, landmarks, alpha)
    stats["conventions"].update({
        "extrapolation_horizon": float(horizon),
        "models": "flexsurv parameterisation, MLE to the true maximum; BIC with n = patients",
        "restricted_mean_ci": "delta method on the optimiser scale",
        "ph_test": "cox.zph (survival 3.x exact score test), transform km",
        "piecewise_hr": "coxph on survSplit intervals (Efron, Wald CI)",
        "milestone_ci": "Greenwood, Wald on the difference",
        "rmst_ratio_ci": "delta method on log ratio",
    })
    return stats
