"""kmrepro.analysis.survival against numbers produced by R's survival package (tests/reference/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from kmrepro.errors import InputError
from kmrepro.analysis.survival import analyse_endpoint, compare_arms, summarise_arm, write_stats

REFERENCE_DIR = Path(__file__).parent / "reference"
REFERENCE = json.loads((REFERENCE_DIR / "r_survival.json").read_text())
DATASETS = sorted(REFERENCE["datasets"])

ESTIMATE_RTOL = 1e-6
CI_RTOL = 1e-4


def _ipd(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / REFERENCE["datasets"][name]["file"])


# Function scope, not module: a cached result would hide from mutmut (make mutation) which tests reach
# compare_arms, and it would run only the first of them against each mutant.
@pytest.fixture(params=DATASETS)
def case(request) -> tuple[dict, dict]:
    ref = REFERENCE["datasets"][request.param]
    stats = analyse_endpoint(
        _ipd(request.param),
        [ref["arm"], ref["reference"]],
        ref["reference"],
        ref["landmarks"],
        ref["tau"],
        "ref-trial",
        request.param,
        "days",
    )
    return stats, ref


def _close(actual: float | None, expected: float | None, rtol: float) -> None:
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=rtol, abs=1e-12)


def _close_ci(actual: dict | None, expected: dict | None) -> None:
    if expected is None:
        assert actual is None
        return
    _close(actual["estimate"], expected["estimate"], ESTIMATE_RTOL)
    _close(actual["lower"], expected["lower"], CI_RTOL)
    _close(actual["upper"], expected["upper"], CI_RTOL)


def test_reference_records_versions():
    assert REFERENCE["r_version"].startswith("R version")
    assert REFERENCE["survival_version"]


def test_counts_match_r(case):
    stats, ref = case
    for arm, expected in ref["arms"].items():
        assert stats["arms"][arm]["n"] == expected["n"]
        assert stats["arms"][arm]["events"] == expected["events"]


def test_median_and_follow_up_match_r(case):
    stats, ref = case
    for arm, expected in ref["arms"].items():
        _close_ci(stats["arms"][arm]["median"], expected["median"])
        _close_ci(stats["arms"][arm]["median_follow_up"], expected["median_follow_up"])


def test_landmark_survival_matches_r(case):
    stats, ref = case
    for arm, expected in ref["arms"].items():
        assert stats["arms"][arm]["survival"].keys() == expected["survival"].keys()
        for key, value in expected["survival"].items():
            _close_ci(stats["arms"][arm]["survival"][key], value)


def test_rmst_matches_r(case):
    stats, ref = case
    for arm, expected in ref["arms"].items():
        rmst = stats["arms"][arm]["rmst"]
        assert rmst["tau"] == expected["rmst"]["tau"]
        _close(rmst["estimate"], expected["rmst"]["estimate"], ESTIMATE_RTOL)
        _close(rmst["se"], expected["rmst"]["se"], ESTIMATE_RTOL)
    _close_ci(stats["comparison"]["rmst_difference"], ref["rmst_difference"])


def test_cox_and_logrank_match_r(case):
    stats, ref = case
    hr = stats["comparison"]["hazard_ratio"]
    _close(hr["estimate"], ref["cox"]["hr"], ESTIMATE_RTOL)
    _close(hr["lower"], ref["cox"]["lower"], CI_RTOL)
    _close(hr["upper"], ref["cox"]["upper"], CI_RTOL)
    _close(hr["p"], ref["cox"]["p"], CI_RTOL)
    _close(stats["comparison"]["logrank"]["chisq"], ref["logrank"]["chisq"], ESTIMATE_RTOL)
    _close(stats["comparison"]["logrank"]["p"], ref["logrank"]["p"], CI_RTOL)
    assert (stats["comparison"]["arm"], stats["comparison"]["reference"]) == (ref["arm"], ref["reference"])


def test_stats_json_round_trips(case):
    stats, _ = case
    text = json.dumps(stats, allow_nan=False)
    assert json.loads(text) == stats
    assert stats["conventions"]["ties"] == "Efron"


def test_plateau_at_half_gives_midpoint_and_unreached_median_is_null():
    df = _ipd("plateau")
    a = df[df["arm"] == "A"]
    b = df[df["arm"] == "B"]
    assert summarise_arm(a["time"], a["event"], [], 10)["median"]["estimate"] == 4.0  # KM is 0.5 on [2, 6)
    median_b = summarise_arm(b["time"], b["event"], [], 10)["median"]
    assert median_b == {"estimate": None, "lower": 3.0, "upper": None}


def test_survival_is_null_past_follow_up_and_ci_null_at_zero():
    df = _ipd("leukemia")
    placebo = df[df["arm"] == "placebo"]  # every patient has the event; last at t = 23
    survival = summarise_arm(placebo["time"], placebo["event"], [23, 23.5], 20)["survival"]
    assert survival["23"] == {"estimate": 0.0, "lower": None, "upper": None}
    assert survival["23.5"] is None


GOOD = pd.DataFrame({"arm": ["a", "a", "b", "b"], "time": [1.0, 2.0, 1.5, 3.0], "event": [1, 0, 1, 1]})


@pytest.mark.parametrize(
    "time, event, problem",
    [
        ([1.0, -2.0], [1, 0], "times must be finite and >= 0"),
        ([1.0, float("nan")], [1, 0], "times must be finite and >= 0"),
        ([1.0, float("inf")], [1, 0], "times must be finite and >= 0"),
        ([1.0, 2.0], [1, 2], "event must be 0 (censored) or 1 (event)"),
        ([], [], "no observations"),
        ([1.0, 2.0], [1], "time and event must be 1-D and of equal length"),
        ([[1.0, 2.0]], [[1, 0]], "time and event must be 1-D and of equal length"),
    ],
)
def test_summarise_arm_rejects_bad_data(time, event, problem):
    with pytest.raises(ValueError, match=f"^arm: {re.escape(problem)}$"):
        summarise_arm(time, event, [1], 2)


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        ({"tau": 0}, "RMST tau must be a positive number, got 0"),
        ({"tau": float("inf")}, "RMST tau must be a positive number, got inf"),
        ({"landmarks": [1, -1]}, "landmarks must be numbers >= 0, got [1, -1]"),
        ({"landmarks": [float("nan")]}, "landmarks must be numbers >= 0, got [nan]"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1, got 1.5"),
        ({"alpha": 1}, "alpha must be between 0 and 1, got 1"),
        ({"alpha": 0}, "alpha must be between 0 and 1, got 0"),
    ],
)
def test_summarise_arm_rejects_bad_settings(kwargs, problem):
    args = {"time": [1.0, 2.0], "event": [1, 0], "landmarks": [1], "tau": 2} | kwargs
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        summarise_arm(**args)


def test_survival_one_has_a_band_of_no_width_at_time_zero_and_after_an_early_censoring():
    survival = summarise_arm([1.0, 2.0], [1, 0], [0], 2)["survival"]
    assert survival == {"0": {"estimate": 1.0, "lower": 1.0, "upper": 1.0}}
    censored_first = summarise_arm([1.0, 2.0, 3.0], [0, 1, 1], [1.5], 2)["survival"]  # R: NA; we: [1, 1]
    assert censored_first == {"1.5": {"estimate": 1.0, "lower": 1.0, "upper": 1.0}}


def test_a_time_of_zero_and_a_tau_below_one_are_accepted():
    arm = summarise_arm([0.0, 1.0], [0, 1], [1], 0.5)  # a patient censored at 0 leaves 1 at risk
    assert arm["survival"]["1"]["estimate"] == 0.0
    assert list(arm["rmst"]) == ["tau", "estimate", "se", "lower", "upper"]
    assert (arm["rmst"]["tau"], arm["rmst"]["estimate"], arm["rmst"]["se"]) == (0.5, 0.5, 0.0)


def test_compare_arms_rejects_empty_or_unknown_arm():
    with pytest.raises(ValueError, match=r"^arm 'c' has no rows \(arms present: \['a', 'b'\]\)$"):
        compare_arms(GOOD, "c", "a", tau=2)
    with pytest.raises(ValueError, match=r"^alpha must be between 0 and 1, got 2$"):
        compare_arms(GOOD, "b", "a", tau=2, alpha=2)


@pytest.mark.parametrize(
    "ipd, arms, reference, problem",
    [
        (GOOD.drop(columns=["event", "time"]), ["a", "b"], "b", "IPD lacks column(s) ['event', 'time']"),
        (GOOD, ["a", "b"], "z", "need two or more distinct arms including the reference 'z', got ['a', 'b']"),
        (GOOD, ["a", "a"], "a", "need two or more distinct arms including the reference 'a', got ['a', 'a']"),
        (GOOD, ["b", "b"], "b", "need two or more distinct arms including the reference 'b', got ['b', 'b']"),
        (GOOD, ["b"], "b", "need two or more distinct arms including the reference 'b', got ['b']"),
        (GOOD.assign(arm=["a", "a", "b", "x"]), ["a", "b"], "b", "IPD has unknown arm(s) ['x']; expected ['a', 'b']"),
        (GOOD[GOOD["arm"] == "a"], ["a", "b"], "b", "arm 'b' has no rows (arms present: ['a'])"),
        (GOOD.assign(event=[1, 0, 1, 3]), ["a", "b"], "b", "arm 'b': event must be 0 (censored) or 1 (event)"),
    ],
)
def test_analyse_endpoint_rejects_bad_input(ipd, arms, reference, problem):
    with pytest.raises(InputError, match=f"^{re.escape('results/t/ipd/os.csv: ' + problem)}$"):
        analyse_endpoint(ipd, arms, reference, [1], 2, "t", "os", "months", source="results/t/ipd/os.csv")


def test_bad_settings_are_not_blamed_on_the_ipd_file_and_bad_ipd_without_a_file_is_a_value_error():
    with pytest.raises(ValueError, match=r"^RMST tau must be a positive number, got -1$") as err:
        analyse_endpoint(GOOD, ["a", "b"], "b", [1], -1, "t", "os", "months", source="results/t/ipd/os.csv")
    assert not isinstance(err.value, InputError)
    with pytest.raises(ValueError, match=r"^arm 'b': event must be 0 \(censored\) or 1 \(event\)$") as err:
        analyse_endpoint(GOOD.assign(event=[1, 0, 1, 3]), ["a", "b"], "b", [1], 2, "t", "os", "months")
    assert not isinstance(err.value, InputError)


def test_stats_name_their_trial_endpoint_and_conventions():
    stats = analyse_endpoint(GOOD, ["a", "b"], "b", [1], 2, "trial-x", "os", "months", alpha=0.1)
    assert (stats["trial"], stats["endpoint"], stats["time_unit"]) == ("trial-x", "os", "months")
    assert stats["conventions"] == {
        "median_ci": "Brookmeyer-Crowley, log-log", "survival_ci": "Greenwood, log-log", "ties": "Efron",
        "hr_ci": "Wald", "rmst_tau": 2.0, "confidence": 0.9,
    }
    assert sorted(stats["arms"]) == ["a", "b"] and stats["comparison"]["arm"] == "a"
    # the 90 % level reaches every interval: per arm and between the arms
    a = GOOD[GOOD["arm"] == "a"]
    assert stats["arms"]["a"] == summarise_arm(a["time"], a["event"], [1], 2, alpha=0.1)
    assert stats["comparison"] == compare_arms(GOOD, "a", "b", 2, alpha=0.1)
    assert stats["comparison"] != compare_arms(GOOD, "a", "b", 2)


def test_write_stats_checks_the_contract_before_writing(tmp_path):
    schema = Path(__file__).parents[1] / "workflow" / "schemas" / "stats.schema.yaml"
    stats = analyse_endpoint(GOOD, ["a", "b"], "b", [1], 2, "t", "os", "months")
    write_stats(tmp_path / "os.json", stats, schema)
    assert json.loads((tmp_path / "os.json").read_text()) == stats
    broken = {**stats, "arms": "none"}
    with pytest.raises(ValueError, match=f"^stats of endpoint 'os' break {re.escape(str(schema))}: ") as err:
        write_stats(tmp_path / "broken.json", broken, schema)
    assert "arms" in str(err.value)
    assert not (tmp_path / "broken.json").exists()


def test_three_arm_endpoint_compares_each_arm_with_the_reference_as_r_does_pairwise():
    """A third arm leaves the first pair's numbers at R's values: each comparison uses that pair's patients."""
    ref = REFERENCE["datasets"]["gbsg2"]
    pair = _ipd("gbsg2")
    third = pair[pair["arm"] == ref["arm"]].assign(arm="third", time=lambda d: d["time"] * 1.5)
    stats = analyse_endpoint(
        pd.concat([pair, third]), [ref["arm"], "third", ref["reference"]], ref["reference"],
        ref["landmarks"], ref["tau"], "t", "os", "days",
    )
    assert "comparison" not in stats
    assert sorted(stats["comparisons"]) == sorted([ref["arm"], "third"])
    hr = stats["comparisons"][ref["arm"]]["hazard_ratio"]
    _close(hr["estimate"], ref["cox"]["hr"], ESTIMATE_RTOL)
    _close(hr["upper"], ref["cox"]["upper"], CI_RTOL)
    longer = stats["comparisons"]["third"]["hazard_ratio"]["estimate"]
    assert longer < hr["estimate"]  # the same patients followed 1.5 times as long have a lower hazard


def test_a_horizon_adds_the_extended_stats_with_every_setting_passed_on():
    from kmrepro.analysis.extended import extend_stats

    ipd = _ipd("leukemia")
    settings = dict(landmarks=[10], tau=20, trial_id="t", endpoint_id="os", time_unit="weeks", alpha=0.1)
    extended = analyse_endpoint(ipd, ["mp6", "placebo"], "placebo", horizon=40, piecewise_cuts=[10], **settings)
    arm_data = {a: (g["time"].to_numpy(float), g["event"].to_numpy()) for a, g in ipd.groupby("arm")}
    expected = extend_stats(analyse_endpoint(ipd, ["mp6", "placebo"], "placebo", **settings), arm_data, "placebo",
                            [10], 40, [10], 0.1)
    assert json.dumps(extended, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert extended["conventions"]["extrapolation_horizon"] == 40.0 and len(extended["comparison"]["piecewise_hr"]) == 2
