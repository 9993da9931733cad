"""kmrepro.analysis.km against R: the product-limit step function and R's median rule at S = 0.5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmrepro.analysis.km import km_at, km_median, number_at_risk
from test_survival import REFERENCE, REFERENCE_DIR


def _arm(dataset: str, arm: str) -> tuple[np.ndarray, np.ndarray]:
    data = pd.read_csv(REFERENCE_DIR / REFERENCE["datasets"][dataset]["file"])
    rows = data[data["arm"] == arm]
    return rows["time"].to_numpy(), rows["event"].to_numpy()


@pytest.mark.parametrize(("dataset", "arm"), [("half_ulp", "A"), ("half_ulp", "B"), ("plateau", "A")])
def test_median_at_exactly_one_half_is_the_midpoint_as_in_r(dataset, arm):
    """S(t) is 0.5 over an interval (arm A of half_ulp: 0.49999999999999994, B: 0.5000000000000001 after
    rounding): R takes the midpoint to the next event, reading within sqrt(eps) of 0.5 as 0.5."""
    time, event = _arm(dataset, arm)
    expected = REFERENCE["datasets"][dataset]["arms"][arm]["median"]["estimate"]
    assert km_median(time, event) == expected
    assert km_median(time, event) != time[event == 1].min()  # not simply the first time at or below 0.5


@pytest.mark.parametrize("dataset", ["gbsg2", "leukemia", "plateau", "half_ulp"])
def test_median_matches_r(dataset):
    ref = REFERENCE["datasets"][dataset]
    for arm, expected in ref["arms"].items():
        median = expected["median"]["estimate"]
        assert km_median(*_arm(dataset, arm)) == (None if median is None else pytest.approx(median, rel=1e-12))


def test_median_is_none_when_the_curve_stays_above_one_half():
    assert km_median(np.array([1.0, 2.0, 3.0]), np.array([1, 0, 0])) is None


@pytest.mark.parametrize("dataset", ["gbsg2", "leukemia", "plateau", "half_ulp"])
def test_step_function_matches_r_at_the_landmarks(dataset):
    ref = REFERENCE["datasets"][dataset]
    for arm, expected in ref["arms"].items():
        time, event = _arm(dataset, arm)
        for key, value in expected["survival"].items():
            if value is not None:
                assert km_at(time, event, np.array([float(key)]))[0] == pytest.approx(value["estimate"], rel=1e-12)


def test_number_at_risk_counts_patients_whose_time_is_not_before_each_time():
    """Hand-worked: a patient whose time equals the tick is still at risk there (R's n.risk), ties count
    each patient, and a tick after every time has none left."""
    time = np.array([5.0, 1.0, 3.0, 3.0, 7.5])
    assert number_at_risk(time, np.array([0.0, 1.0, 3.0, 3.5, 7.5, 8.0])).tolist() == [5, 5, 4, 2, 1, 0]
