"""kmrepro.analysis.parametric against R flexsurv 2.3.2 (../shared/reference/flexsurv, see its README).

Log-likelihood, AIC and BIC within 1e-3 absolute of the ``tight:`` rows (the true maximum; flexsurv's
default stop can fall short), survival, restricted mean, mean and median within 1e-3 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED
from kmrepro.analysis import parametric
from kmrepro.analysis.models.families import default_knots
from kmrepro.analysis.models.gompertz import GompertzFitter

FLEXSURV = SHARED / "reference" / "flexsurv"
DATASETS = ("gbsg", "veteran", "lung", "colon")
FLEXSURV_NAMES = {
    "exponential": "exp", "weibull": "weibull", "gompertz": "gompertz", "loglogistic": "llogis",
    "lognormal": "lnorm", "gengamma": "gengamma", "spline1": "spline_hazard_k1", "spline2": "spline_hazard_k2",
    "spline3": "spline_hazard_k3",
}
LANDMARKS, HORIZON = (12, 24), 60


def _reference() -> pd.DataFrame:
    if not FLEXSURV.is_dir():
        pytest.skip(f"flexsurv reference values not found at {FLEXSURV}")
    return pd.read_csv(FLEXSURV / "fits.csv", dtype={"arm": str, "value": str})


def _arms():
    if not FLEXSURV.is_dir():
        return []
    return [(ds, arm) for ds in DATASETS for arm in sorted(pd.read_csv(FLEXSURV / f"{ds}.csv", dtype={"arm": str}).arm.unique())]


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return _reference()


@pytest.fixture(scope="module", params=_arms() or [pytest.param(None, marks=pytest.mark.skip("no flexsurv reference"))])
def arm_fits(request):
    ds, arm = request.param
    data = pd.read_csv(FLEXSURV / f"{ds}.csv", dtype={"arm": str})
    rows = data[data.arm == arm]
    models = parametric.fit_models(rows.time, rows.event, LANDMARKS, HORIZON)
    return ds, arm, rows, models


def _values(reference: pd.DataFrame, ds: str, arm: str, name: str) -> dict[str, str]:
    rows = reference[(reference.dataset == ds) & (reference.arm == arm) & (reference.model == FLEXSURV_NAMES[name])]
    return dict(zip(rows.quantity, rows.value))


@pytest.mark.parametrize("name", parametric.MODEL_NAMES)
def test_matches_flexsurv(arm_fits, reference, name):
    ds, arm, _, models = arm_fits
    ref = _values(reference, ds, arm, name)
    model = models[name]
    assert model["converged"] and model["note"] is None
    assert model["loglik"] == pytest.approx(float(ref["tight:loglik"]), abs=1e-3)
    assert model["aic"] == pytest.approx(float(ref["tight:AIC"]), abs=1e-3)
    assert model["bic"] == pytest.approx(float(ref["tight:BIC"]), abs=1e-3)
    assert model["npars"] == int(float(ref["npars"]))
    for t in (12, 24, 60):
        assert model["survival"][f"{t}"] == pytest.approx(float(ref[f"tight:surv_t{t}"]), rel=1e-3)
    assert model["restricted_mean"]["estimate"] == pytest.approx(float(ref["tight:rmst_t60"]), rel=1e-3)
    assert model["median"] == pytest.approx(float(ref["tight:median"]), rel=1e-3)
    if ref["tight:mean_is_finite"] == "1":
        assert model["mean"] == pytest.approx(float(ref["tight:mean"]), rel=1e-3)
    else:
        assert model["mean"] is None
    for par, value in model["params"].items():  # parameters on flexsurv's scale (looser: flat likelihoods)
        assert value == pytest.approx(float(ref[f"tight:par:{par}"]), rel=2e-3, abs=2e-3), par
    lower, upper = model["restricted_mean"]["lower"], model["restricted_mean"]["upper"]
    assert lower < model["restricted_mean"]["estimate"] < upper


def test_spline_knots_are_flexsurvs(arm_fits, reference):
    ds, arm, rows, models = arm_fits
    for k in (1, 2, 3):
        ref = _values(reference, ds, arm, f"spline{k}")
        expected = [float(ref[f"knot_logtime:{i}"]) for i in range(1, k + 3)]
        assert models[f"spline{k}"]["knots_log_time"] == pytest.approx(expected, abs=1e-12)
        assert default_knots(rows.time.to_numpy(), rows.event.to_numpy(), k) == pytest.approx(expected, abs=1e-12)


def test_best_model_skips_degenerate_and_unconverged():
    models = {
        "weibull": {"aic": 10.0, "bic": 12.0, "converged": True, "degenerate": False},
        "gengamma": {"aic": 5.0, "bic": 6.0, "converged": True, "degenerate": True},
        "spline1": {"aic": 4.0, "bic": 5.0, "converged": False, "degenerate": False},
    }
    assert parametric.best_model(models) == "weibull"
    assert parametric.best_model({"gengamma": models["gengamma"]}) is None


def test_degenerate_gengamma_is_flagged():
    """Heaped event times (every event at one of six times) pull the generalised gamma to sigma -> 0, Q -> large."""
    time = np.repeat([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 20)
    event = np.ones_like(time, dtype=int)
    fit = parametric.fit_model(parametric.make_family("gengamma", time, event), time, event)
    entry = parametric.summarise_fit(fit, time.size, [12], 24)
    assert entry["degenerate"] is True
    assert "degenerate" in entry["note"]
    assert parametric.best_model({"gengamma": entry}) is None
    _assert_no_nan(entry)


def _assert_no_nan(value):
    """JSON must carry null with a note, never NaN."""
    if isinstance(value, dict):
        for v in value.values():
            _assert_no_nan(v)
    elif isinstance(value, float):
        assert math.isfinite(value)


def test_no_events_gives_a_note_not_nan():
    time = np.array([1.0, 2.0, 3.0, 4.0])
    event = np.zeros(4, dtype=int)
    models = parametric.fit_models(time, event, [2], 10)
    assert all(m["converged"] is False and m["note"].startswith("not fitted: 0 events") for m in models.values())
    assert parametric.best_model(models) is None


def test_fitted_family_round_trip():
    rng = np.random.default_rng(7)
    time = rng.weibull(1.3, 200) * 20
    event = (rng.random(200) < 0.8).astype(int)
    models = parametric.fit_models(time, event, [10], 40)
    for name, entry in models.items():
        family, theta = parametric.fitted_family(name, entry)
        assert family.survival(theta, np.array([10.0, 40.0])) == pytest.approx(
            [entry["survival"]["10"], entry["survival"]["40"]], rel=1e-12), name


def test_gompertz_fitter_has_lifelines_api(reference):
    """The lifelines subclass reaches flexsurv's Gompertz maximum on veteran arm 1."""
    data = pd.read_csv(FLEXSURV / "veteran.csv", dtype={"arm": str})
    rows = data[data.arm == "1"]
    fitter = GompertzFitter().fit(rows.time, rows.event)
    ref = _values(reference, "veteran", "1", "gompertz")
    assert fitter.log_likelihood_ == pytest.approx(float(ref["tight:loglik"]), abs=1e-3)
    assert fitter.shape_ == pytest.approx(float(ref["tight:par:shape"]), rel=1e-2)
    assert fitter.rate_ == pytest.approx(float(ref["tight:par:rate"]), rel=1e-2)
    assert float(fitter.survival_function_at_times(12).iloc[0]) == pytest.approx(float(ref["tight:surv_t12"]), rel=1e-3)
