"""The report's wording and rows for the extrapolation models and the PH checks."""

from __future__ import annotations

from kmrepro.publish.models_view import milestone_rows, model_rows, ph_verdict, piecewise_rows


def _model(aic, converged=True, degenerate=False, mean=10.0, note=None):
    return {"loglik": -aic / 2, "aic": aic, "bic": aic + 3, "converged": converged, "degenerate": degenerate,
            "restricted_mean": {"tau": 60, "estimate": 9.0, "lower": 8.0, "upper": 10.0}, "mean": mean,
            "median": 7.0, "note": note}


def test_model_rows_mark_best_and_skip_ineligible_in_deltas():
    arm = {"models": {"weibull": _model(100.0), "exponential": _model(104.5, mean=None),
                      "gengamma": _model(90.0, degenerate=True, note="degenerate")},
           "model_selection": {"aic": "weibull", "bic": "weibull"}}
    rows = {r["name"]: r for r in model_rows(arm)}
    assert list(rows) == ["exponential", "weibull", "gengamma"]  # the fixed order, not dict order
    assert rows["weibull"]["best_aic"] and rows["weibull"]["delta_aic"] == "0.00"
    assert rows["exponential"]["delta_aic"] == "4.50" and rows["exponential"]["mean"] == "infinite"
    assert rows["gengamma"]["delta_aic"] == "" and rows["gengamma"]["note"] == "degenerate"
    assert not rows["gengamma"]["best_aic"]


def test_ph_verdict_spells_out_a_rejection():
    comparison = {"ph_test": {"chisq": 6.1, "df": 1, "p": 0.0135, "transform": "km"},
                  "piecewise_hr": [{"start": 0.0, "end": 3.0, "events": 20, "estimate": 0.2, "lower": 0.1, "upper": 0.4},
                                   {"start": 3.0, "end": None, "events": 9, "estimate": 0.9, "lower": 0.4, "upper": 2.0}]}
    verdict = ph_verdict(comparison, published_hr=0.25)
    assert verdict["rejected"]
    assert "P = 0.01)" in verdict["text"] and "0.25" in verdict["text"]
    assert "0.20 in 0–3; 0.90 in 3+" in verdict["text"]


def test_ph_verdict_when_not_rejected():
    verdict = ph_verdict({"ph_test": {"chisq": 0.2, "df": 1, "p": 0.63, "transform": "km"}})
    assert not verdict["rejected"] and verdict["text"].startswith("No evidence against proportional hazards")


def test_piecewise_and_milestone_rows():
    comparison = {"piecewise_hr": [{"start": 12.0, "end": None, "events": 2, "estimate": None, "lower": None,
                                    "upper": None, "note": "events in one arm only: HR not estimable"}],
                  "milestone_differences": {"6": {"estimate": 0.1, "lower": 0.05, "upper": 0.15}, "24": None}}
    assert piecewise_rows(comparison, "months") == [
        {"interval": "12+ months", "events": 2, "hazard_ratio": "events in one arm only: HR not estimable"}]
    assert milestone_rows(comparison, "months") == [
        {"time": "6 months", "difference": "10.0 (5.0\u201315.0)"}, {"time": "24 months", "difference": "beyond follow-up"}]
