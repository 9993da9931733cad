import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from lifelines.datasets import load_gbsg2

from kmrepro.api import DigitizationWarning, reconstruct_arm
from kmrepro.reconstruct.cleaning import clean_curve
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.analysis.km import km_at
from kmrepro.reconstruct.guyot import reconstruct
from kmrepro.reconstruct.simulate import Figure, digitize
from conftest import examples


def curve(t, s):
    return DigitizedCurve(np.asarray(t, float), np.asarray(s, float), "test.csv", "proportion")


def test_hand_worked_example_is_reconstructed_exactly():
    # 10 patients: 2 events at t=1, 1 at t=2, 3 at t=4, 4 censored at t=5. KM: 0.8, 0.7, 0.4.
    clicks = curve([0, 1, 1, 2, 2, 4, 4, 5], [1, 1, 0.8, 0.8, 0.7, 0.7, 0.4, 0.4])
    table = RiskTable(np.array([0.0, 3.0, 5.0]), np.array([10, 7, 4]), "risk.csv")
    rec = reconstruct_arm(clicks, 10, table)
    expected = pd.DataFrame({"time": [1.0, 1, 2, 4, 4, 4, 5, 5, 5, 5], "event": [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]})
    pd.testing.assert_frame_equal(rec.ipd, expected)
    assert rec.diagnostics["max_at_risk_difference"] == 0
    assert rec.diagnostics["curve_fit"]["max_abs_error"] < 1e-12


def test_hand_worked_example_with_censoring_inside_an_interval():
    # 10 patients; 1 censored at 1.5 (in [0, 3)); events: 2 at t=1, 2 at t=2; table 10 at 0, 5 at 3.
    # KM: 0.8 after t=1; at t=2, 7 at risk, 2 events -> 0.8 * 5/7.
    s2 = 0.8 * 5 / 7
    clicks = curve([0, 1, 1, 2, 2, 3], [1, 1, 0.8, 0.8, s2, s2])
    table = RiskTable(np.array([0.0, 3.0]), np.array([10, 5]), "risk.csv")
    rec = reconstruct_arm(clicks, 10, table, total_events=4)
    ipd = rec.ipd
    assert ipd.event.sum() == 4
    assert list(ipd.time[ipd.event == 1]) == [1, 1, 2, 2]
    censored_early = ipd[(ipd.event == 0) & (ipd.time < 3)]
    assert len(censored_early) == 1 and 1 < censored_early.time.iloc[0] < 2  # spread evenly: 1.5
    assert rec.diagnostics["max_at_risk_difference"] == 0


def gbsg2_arms():
    data = load_gbsg2()
    months = data.time / 30.4375
    return {arm: (months[g.index].to_numpy(), g.cens.to_numpy()) for arm, g in data.groupby("horTh")}


def log_hr(frames: dict[str, pd.DataFrame]) -> float:
    data = pd.concat([f.assign(x=int(arm == "yes")) for arm, f in frames.items()])
    return float(CoxPHFitter().fit(data[["time", "event", "x"]], "time", "event").params_["x"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gbsg2_round_trip_recovers_the_truth(seed):
    rng = np.random.default_rng(seed)
    truth, rebuilt = {}, {}
    for arm, (t, e) in gbsg2_arms().items():
        clicks, table = digitize(t, e, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DigitizationWarning)
            rec = reconstruct_arm(
                curve(clicks.time, clicks.survival), len(t), RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), "r")
            )
            with_events = reconstruct_arm(
                curve(clicks.time, clicks.survival), len(t),
                RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), "r"), int(e.sum()),
            )
        truth[arm] = pd.DataFrame({"time": t, "event": e})
        rebuilt[arm] = rec.ipd
        assert len(rec.ipd) == len(t)
        assert abs(int(rec.ipd.event.sum()) - int(e.sum())) <= max(2, 0.02 * e.sum())
        assert abs(int(with_events.ipd.event.sum()) - int(e.sum())) <= 1
        grid = np.linspace(0, t.max(), 2000)
        gap = np.abs(km_at(t, e, grid) - km_at(rec.ipd.time.to_numpy(), rec.ipd.event.to_numpy(), grid))
        assert gap.mean() <= 0.005
        assert rec.diagnostics["max_at_risk_difference"] <= 1
        assert rec.diagnostics["drops_read_as"] == "corner pairs and slopes"
    assert abs(log_hr(rebuilt) - log_hr(truth)) <= 0.02


def test_one_click_per_drop_is_recognised_and_still_accurate():
    rng = np.random.default_rng(7)
    truth, rebuilt = {}, {}
    for arm, (t, e) in gbsg2_arms().items():
        clicks, table = digitize(t, e, rng, Figure(top_corners=False))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DigitizationWarning)
            rec = reconstruct_arm(curve(clicks.time, clicks.survival), len(t),
                                  RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), "r"))
        assert rec.diagnostics["drops_read_as"] == "one click per drop"
        truth[arm], rebuilt[arm] = pd.DataFrame({"time": t, "event": e}), rec.ipd
        grid = np.linspace(0, t.max(), 2000)
        gap = np.abs(km_at(t, e, grid) - km_at(rec.ipd.time.to_numpy(), rec.ipd.event.to_numpy(), grid))
        assert gap.mean() <= 0.005
    assert abs(log_hr(rebuilt) - log_hr(truth)) <= 0.03


def test_checkmate_067_hand_digitization_matches_its_risk_table(kmdata):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DigitizationWarning)
        rec = reconstruct_arm(
            kmdata / "Checkmate_067_S3A_Nivolumab.csv", 80, kmdata / "Checkmate_067_At_Risk.csv"
        )
    for row in rec.diagnostics["at_risk"]:
        assert abs(row["difference"]) <= 1, row
    assert len(rec.ipd) == 80


EDGE_CASES = {
    # risk-table intervals without a digitized point, and a table reaching past the curve
    "empty intervals": ([0, 1, 1, 9, 9, 10], [1, 1, 0.9, 0.9, 0.8, 0.8], [0, 2, 4, 6, 8, 10, 12], [20, 18, 18, 17, 17, 16, 3]),
    "survival reaches 0": ([0, 1, 1, 2, 2, 3, 3], [1, 1, 0.5, 0.5, 0.2, 0.2, 0.0], [0, 2], [10, 5]),
    "table inconsistent with curve": ([0, 1, 1, 5], [1, 1, 0.2, 0.2], [0, 2, 4], [10, 9, 9]),
    "very small arm": ([0, 0.5, 0.5, 3, 3, 7], [1, 1, 0.9, 0.9, 0.8, 0.8], [0, 5], [10, 4]),
    "flat tail heavy censoring": ([0, 1, 1, 2, 2, 40], [1, 1, 0.7, 0.7, 0.6, 0.6], [0, 10, 20, 30], [100, 55, 20, 4]),
}


@pytest.mark.parametrize("name", EDGE_CASES)
def test_awkward_inputs_never_crash_and_keep_n_rows(name):
    t, s, rt, rn = EDGE_CASES[name]
    rec = reconstruct_arm(curve(t, s), rn[0], RiskTable(np.asarray(rt, float), np.asarray(rn), "r"))
    assert len(rec.ipd) == rn[0]
    assert (rec.ipd.time >= 0).all()


@settings(max_examples=examples(150), deadline=None)
@given(
    drops=st.lists(st.tuples(st.floats(0.01, 50), st.floats(0, 0.3)), min_size=1, max_size=40),
    n=st.integers(1, 400),
    table=st.one_of(st.none(), st.lists(st.floats(0, 1), min_size=1, max_size=12)),
    events=st.one_of(st.none(), st.floats(0, 1)),
)
def test_reconstruction_invariants(drops, n, table, events):
    times = np.sort([d[0] for d in drops])
    surv = np.cumprod([1 - d[1] for d in drops])
    cleaned = clean_curve(np.repeat(times, 2), np.column_stack([np.r_[1, surv[:-1]], surv]).ravel())
    risk_time = risk_n = None
    if table is not None:
        risk_time = np.linspace(0, times.max() * 1.2, len(table))
        risk_n = np.minimum.accumulate(np.r_[n, np.round(np.sort(table)[::-1][1:] * n)]).astype(int)
    total = None if events is None else int(events * n)
    rec = reconstruct(cleaned, n, risk_time, risk_n, total)
    assert len(rec.ipd) == n
    assert (rec.ipd.time >= 0).all()
    assert 0 <= rec.ipd.event.sum() <= n
    assert set(rec.ipd.event.unique()) <= {0, 1}
