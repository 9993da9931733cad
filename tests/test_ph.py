"""kmrepro.analysis.ph against R survival 3.5.3: cox.zph (../shared/reference/flexsurv/coxzph.csv) and
piecewise HRs, milestone differences and RMST ratios (tests/reference/r_ph.json, make_ph_reference.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED
from kmrepro.analysis import ph
from kmrepro.analysis.survival import analyse_endpoint

REFERENCE_DIR = Path(__file__).parent / "reference"
R_PH = json.loads((REFERENCE_DIR / "r_ph.json").read_text())
COXZPH = SHARED / "reference" / "flexsurv" / "coxzph.csv"


def _zph_rows():
    if not COXZPH.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(f"cox.zph reference not found at {COXZPH}"))]
    return [row for _, row in pd.read_csv(COXZPH, dtype={"reference_arm": str}).iterrows()]


@pytest.mark.parametrize("row", _zph_rows())
def test_zph_matches_r(row):
    data = pd.read_csv(COXZPH.parent / f"{row['dataset']}.csv", dtype={"arm": str})
    x = (data.arm != row["reference_arm"]).to_numpy(float)
    coef, se = ph.cox_fit(data.time.to_numpy(), data.event.to_numpy(), x)
    test = ph.zph_test(data.time, data.event, x, coef, se**2, row["transform"])
    assert test["chisq"] == pytest.approx(row["chisq"], abs=1e-6)
    assert test["p"] == pytest.approx(row["p"], abs=1e-6)
    assert test["df"] == row["df"]


@pytest.fixture(scope="module", params=sorted(R_PH["datasets"]))
def case(request):
    ref = R_PH["datasets"][request.param]
    ipd = pd.read_csv(REFERENCE_DIR / ref["file"], dtype={"arm": str})
    stats = analyse_endpoint(ipd, [ref["arm"], ref["reference"]], ref["reference"], ref["landmarks"], ref["tau"],
                             "ref-trial", request.param, "days", horizon=2 * ref["tau"], piecewise_cuts=ref["cuts"])
    return stats["comparison"], ref


def _close(ours: dict, theirs: dict, rel: float = 1e-6) -> None:
    for key in ("estimate", "lower", "upper"):
        if theirs[key] is None:  # R's NA: no CI once a curve has reached 0
            assert ours[key] is None, key
        else:
            assert ours[key] == pytest.approx(theirs[key], rel=rel, abs=1e-12), key


def test_piecewise_hr_matches_coxph_on_survsplit(case):
    comparison, ref = case
    assert len(comparison["piecewise_hr"]) == len(ref["piecewise_hr"])
    for ours, theirs in zip(comparison["piecewise_hr"], ref["piecewise_hr"]):
        assert (ours["start"], ours["end"]) == (theirs["start"], theirs["end"])
        _close(ours, theirs)


def test_ph_test_in_stats_matches_cox_zph(case):
    comparison, ref = case
    assert comparison["ph_test"]["transform"] == "km"
    assert comparison["ph_test"]["chisq"] == pytest.approx(ref["ph_test"]["chisq"], abs=1e-6)
    assert comparison["ph_test"]["p"] == pytest.approx(ref["ph_test"]["p"], abs=1e-6)


def test_milestone_differences_match_r(case):
    comparison, ref = case
    assert set(comparison["milestone_differences"]) == set(ref["milestone_differences"])
    for t, theirs in ref["milestone_differences"].items():
        if theirs is None:
            assert comparison["milestone_differences"][t] is None
        else:
            _close(comparison["milestone_differences"][t], theirs)


def test_rmst_ratio_matches_r(case):
    comparison, ref = case
    _close(comparison["rmst_ratio"], ref["rmst_ratio"])


def test_cox_fit_equals_compare_arms():
    """The fast one-covariate Cox fit gives the HR and CI that compare_arms (lifelines) gives."""
    from kmrepro.analysis.survival import compare_arms

    ipd = pd.read_csv(REFERENCE_DIR / "data" / "gbsg2.csv", dtype={"arm": str})
    hr = compare_arms(ipd, "yes", "no", 365)["hazard_ratio"]
    coef, se = ph.cox_fit(ipd.time, ipd.event, (ipd.arm == "yes").to_numpy(float))
    assert math.exp(coef) == pytest.approx(hr["estimate"], rel=1e-9)
    assert math.exp(coef + 1.959963984540054 * se) == pytest.approx(hr["upper"], rel=1e-9)


def test_piecewise_interval_without_events_has_a_note():
    time = np.array([1.0, 2, 3, 4, 10, 11, 12, 13])
    event = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    x = np.array([1.0, 0, 1, 0, 1, 0, 1, 0])
    rows = ph.piecewise_hr(time, event, x, [5])
    assert rows[0]["estimate"] is not None and rows[0]["events"] == 4
    assert rows[1]["estimate"] is None and rows[1]["note"] == "no events in this interval"


def test_unknown_transform_is_a_programming_error():
    with pytest.raises(ValueError, match="transform"):
        ph.zph_test([1.0, 2.0], [1, 1], [0.0, 1.0], 0.0, 1.0, "logit")


def test_zph_rejects_a_clear_crossing():
    """Hazards that cross (arm 1 dies early, arm 0 late) must be detected."""
    rng = np.random.default_rng(3)
    early, late = rng.exponential(2, 150), 8 + rng.exponential(2, 150)
    time = np.concatenate([early, late])
    event = np.ones(300, dtype=int)
    x = np.concatenate([np.ones(150), np.zeros(150)])
    coef, se = ph.cox_fit(time, event, x)
    assert ph.zph_test(time, event, x, coef, se**2)["p"] < 1e-3
    assert math.isfinite(coef)
