"""Reconstruction intervals: the fast per-draw analysis matches the real one; intervals are
deterministic, cover the truth on a round trip and count failures."""

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.reconstruct import intervals as iv
from kmrepro.reconstruct.intervals import (
    ArmDigitization, ClickNoise, draw_statistics, estimate_click_noise, reconstruction_intervals, summarise_draws,
)
from kmrepro.reconstruct.simulate import Figure, digitize


@pytest.fixture(scope="module")
def gbsg2():
    df = pd.read_csv("tests/reference/data/gbsg2.csv")
    return df.assign(time=df.time.astype(float))


def _arms(df):
    return {a: (g.time.to_numpy(), g.event.to_numpy()) for a, g in df.groupby("arm")}


def test_draw_statistics_match_the_stats_json(gbsg2):
    arms = sorted(gbsg2.arm.unique())
    reference = arms[0]
    stats = analyse_endpoint(gbsg2, arms, reference, [365.0, 1825.0], 1825.0, "t", "e", "days")
    fast = draw_statistics(_arms(gbsg2), reference, [365.0, 1825.0])
    assert fast["comparison.hazard_ratio"] == pytest.approx(stats["comparison"]["hazard_ratio"]["estimate"], rel=1e-10)
    assert fast["comparison.logrank.p"] == pytest.approx(stats["comparison"]["logrank"]["p"], rel=1e-10)
    for arm in arms:
        s = stats["arms"][arm]
        assert fast[f"arms.{arm}.events"] == s["events"]
        assert fast[f"arms.{arm}.median"] == s["median"]["estimate"]
        assert fast[f"arms.{arm}.median_follow_up"] == s["median_follow_up"]["estimate"]
        for mark in ("365", "1825"):
            assert fast[f"arms.{arm}.survival.{mark}"] == pytest.approx(s["survival"][mark]["estimate"], abs=1e-12)


def test_cox_with_heavy_ties_matches_lifelines():
    rng = np.random.default_rng(3)
    time = rng.integers(1, 8, 120).astype(float)  # many tied event times: Efron's correction matters
    event = (rng.random(120) < 0.7).astype(int)
    group = np.repeat([1, 0], 60)
    frame = pd.DataFrame({"arm": np.where(group == 1, "b", "a"), "time": time, "event": event})
    stats = analyse_endpoint(frame, ["a", "b"], "a", [], 5.0, "t", "e", "u")
    log_hr, se = iv.cox_binary(time, event, group)
    hr = stats["comparison"]["hazard_ratio"]
    assert math.exp(log_hr) == pytest.approx(hr["estimate"], rel=1e-9)
    assert math.exp(log_hr + 1.959963984540054 * se) == pytest.approx(hr["upper"], rel=1e-9)


def test_cox_without_events_in_a_group_fails_loudly():
    with pytest.raises(ValueError, match=r"^Cox fit did not converge \(a group without events\?\)$"):
        iv.cox_binary(np.arange(1.0, 7.0), np.array([1, 1, 1, 0, 0, 0]), np.array([0, 0, 0, 1, 1, 1]))


def test_noise_estimate_from_corner_pairs_and_plateaus():
    # A staircase clicked at both corners of every drop, with known noise: 0.004 in survival, 0.05 in time.
    rng = np.random.default_rng(0)
    steps = np.arange(1, 151) * 1.0
    t = np.repeat(steps, 2) + rng.normal(0, 0.05, 300)
    s = np.column_stack([1 - (steps - 1) / 170, 1 - steps / 170]).ravel() + rng.normal(0, 0.004, 300)
    noise = estimate_click_noise(t, s)
    assert noise.survival == pytest.approx(0.004, rel=0.25)
    assert noise.time == pytest.approx(0.05, rel=0.25)
    # clicked once per drop (bottom corners only): nothing to measure, the fallbacks apply
    once = estimate_click_noise(t[1::2], s[1::2])
    assert once.survival == iv.FALLBACK_SURVIVAL_NOISE
    assert once.time == pytest.approx(iv.FALLBACK_SURVIVAL_NOISE * iv.PLOT_ASPECT * (t[-1] - t[1]))


def test_summary_of_draws_counts_missing_and_not_reached():
    values = list(np.linspace(0, 1, 199)) + [None]
    survival = summarise_draws(values, "arms.a.survival.12", failed_reconstructions=0, draws=200)
    assert survival["failed"] == 1 and survival["reliable"] is True
    median = summarise_draws([1.0] * 150 + [None] * 50, "arms.a.median", 0, 200)
    assert median["failed"] == 0 and median["lower"] == 1.0 and median["upper"] is None  # not reached
    unreliable = summarise_draws([1.0] * 197, "comparison.hazard_ratio", failed_reconstructions=3, draws=200)
    assert unreliable["failed"] == 3 and unreliable["reliable"] is False


def test_summary_of_draws_is_the_central_95_percent_and_reliable_up_to_one_percent_failed():
    # 41 values 0..40: the 2.5 % and 97.5 % quantiles fall on the values 1 and 39 exactly
    central = summarise_draws([float(x) for x in range(41)], "arms.a.survival.12", 0, 41)
    assert central == {"lower": pytest.approx(1.0), "upper": pytest.approx(39.0), "draws": 41, "failed": 0,
                       "reliable": True}
    assert summarise_draws([1.0] * 198, "comparison.hazard_ratio", 2, 200)["reliable"] is True  # 1 % exactly
    assert summarise_draws([None] * 3, "comparison.hazard_ratio", 0, 3) == {
        "lower": None, "upper": None, "draws": 3, "failed": 3, "reliable": False}


def _digitized(frame, use_table=True):
    rng = np.random.default_rng(7)
    arms = {}
    for arm, g in frame.groupby("arm"):
        curve, table = digitize(g.time.to_numpy(), g.event.to_numpy(), rng, Figure())
        arms[arm] = ArmDigitization(
            DigitizedCurve(curve.time.to_numpy(), curve.survival.to_numpy(), arm, "proportion"), len(g),
            RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), arm) if use_table else None,
        )
    return arms


def test_intervals_are_deterministic_and_cover_the_truth(gbsg2):
    arms = _digitized(gbsg2)
    reference = sorted(arms)[0]
    warnings.simplefilter("ignore")
    first = reconstruction_intervals(arms, reference, [1825.0], draws=40, seed=5)
    assert first == reconstruction_intervals(arms, reference, [1825.0], draws=40, seed=5)
    assert first != reconstruction_intervals(arms, reference, [1825.0], draws=40, seed=6)
    hr = first["comparison.hazard_ratio"]
    assert hr["draws"] == 40 and hr["failed"] == 0 and hr["reliable"]
    truth = draw_statistics(_arms(gbsg2), reference, [1825.0])
    assert hr["lower"] <= truth["comparison.hazard_ratio"] <= hr["upper"]
    assert hr["upper"] - hr["lower"] < 0.1  # far narrower than the HR's own CI (0.54 to 0.89)


def test_failed_draws_are_counted_not_dropped(gbsg2, monkeypatch):
    arms = _digitized(gbsg2)
    real = iv._draw_arm
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] % 7 == 0:
            raise ValueError("boom")
        return real(*args)

    monkeypatch.setattr(iv, "_draw_arm", flaky)
    out = reconstruction_intervals(arms, sorted(arms)[0], draws=20, seed=1)
    hr = out["comparison.hazard_ratio"]
    # every 7th call fails (a draw whose first arm fails skips its second): 5 of the 20 draws, each counted once
    assert hr["failed"] == 5 and hr["reliable"] is False and hr["draws"] == 20


def test_given_noise_is_not_re_estimated(gbsg2, monkeypatch):
    arms = {k: ArmDigitization(a.curve, a.n, a.at_risk, noise=ClickNoise(0.5, 0.001)) for k, a in _digitized(gbsg2).items()}

    def refuse(*_):
        raise AssertionError("noise was given")

    monkeypatch.setattr(iv, "estimate_click_noise", refuse)
    assert reconstruction_intervals(arms, sorted(arms)[0], draws=5, seed=1)["comparison.hazard_ratio"]["failed"] == 0


@pytest.fixture(scope="module")
def gbsg2_trial_intervals(tmp_path_factory):
    """Intervals from the GBSG2 validation trial's inputs (its Figure 1 digitized, as the workflow does, with
    the pixel as the noise), and the reconstruction's own HR."""
    from kmrepro.api import reconstruct_arm
    from kmrepro.audit.trial import load_trial
    from kmrepro.ingest.digitize import digitize_image, write_outputs
    from kmrepro.ingest.readers import read_curve, read_risk_table
    from kmrepro.reconstruct.intervals import pixel_noise

    trial = load_trial("trials/gbsg2/trial.yaml", "workflow/schemas/trial.schema.yaml")
    endpoint = trial.endpoint("rfs")
    image = endpoint.image
    found = digitize_image(image.path, image.x_ticks, image.y_ticks, image.arm_specs())
    folder = tmp_path_factory.mktemp("gbsg2_digitized")
    write_outputs(found, folder)
    noise = pixel_noise(found.report()["calibration"])
    arms = {a.id: ArmDigitization(read_curve(folder / f"{a.id}.csv"), a.n, read_risk_table(endpoint.curves[a.id].at_risk),
                                  noise=noise)
            for a in trial.arms}
    warnings.simplefilter("ignore")
    ipd = {a: reconstruct_arm(arm.curve, arm.n, arm.at_risk).ipd for a, arm in arms.items()}
    point = draw_statistics({a: (d.time.to_numpy(), d.event.to_numpy()) for a, d in ipd.items()}, "none", [])
    return reconstruction_intervals(arms, "none", draws=100), point


def test_wrong_published_hr_differs_on_gbsg2(gbsg2_trial_intervals):
    from kmrepro.audit.verdicts import judge

    intervals, point = gbsg2_trial_intervals
    hr = intervals["comparison.hazard_ratio"]
    true_hr = 0.6949  # the real IPD's HR, as printed in trials/gbsg2/trial.yaml
    assert judge(true_hr, point["comparison.hazard_ratio"], 4, hr).status in ("exact", "reproduced")
    wrong = judge(round(true_hr * 1.3, 4), point["comparison.hazard_ratio"], 4, hr)
    assert wrong.status == "differs" and "interval widths above" in wrong.note


def test_endpoint_of_three_arms_draws_each_pair_against_the_reference(gbsg2):
    """A third arm (GBSG2's hormone arm again, under another name) is compared with the reference pair by pair."""
    from kmrepro.stages import _intervals

    hormone = gbsg2[gbsg2.arm == sorted(gbsg2.arm.unique())[1]]
    three = pd.concat([gbsg2, hormone.assign(arm="copy")], ignore_index=True)
    arms = _digitized(three)
    reference = sorted(gbsg2.arm.unique())[0]
    warnings.simplefilter("ignore")
    merged = _intervals(arms, reference, [1825.0], draws=10)
    others = sorted(a for a in arms if a != reference)
    assert {f"comparisons.{a}.hazard_ratio" for a in others} <= set(merged)
    assert not any(key.startswith("comparison.") for key in merged)
    pair = reconstruction_intervals({a: arms[a] for a in (others[0], reference)}, reference, [1825.0], draws=10)
    assert merged[f"comparisons.{others[0]}.hazard_ratio"] == pair["comparison.hazard_ratio"]
    assert merged[f"arms.{reference}.median"] == pair[f"arms.{reference}.median"]


def _interval(**changes):
    from kmrepro.reconstruct.guyot import _TableInterval

    return _TableInterval(**({"start": 10.0, "end": 20.0, "first": 0, "stop": 0, "n_next": None} | changes))


def test_censoring_distribution_is_the_follow_up_density_times_the_curve():
    from scipy.stats import beta

    from kmrepro.reconstruct.guyot import _censoring_cdf

    # a curve flat at 1: every patient is still event-free, so censorings fall as follow-up does
    flat_time, flat = np.array([10.0, 20.0]), np.array([1.0, 1.0])
    times, fractions = _censoring_cdf(_interval(), flat_time, flat, (2.0, 3.0))
    assert times[0] == 10.0 and times[-1] == 20.0 and fractions[0] == 0.0 and fractions[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(fractions, beta.cdf((np.array(times) - 10.0) / 10.0, 2.0, 3.0), atol=1e-12)
    # the curve halves at 15 and is at zero from 18: censorings past 15 are seen half as often, none past 18
    time, survival = np.array([10.0, 15.0, 18.0]), np.array([1.0, 0.5, 0.0])
    times, fractions = np.array(_censoring_cdf(_interval(), time, survival, (1.0, 1.0)))
    assert np.interp(15.0, times, fractions) == pytest.approx(5 / 6.5)  # uniform follow-up: 5 x 1 of 5 x 1 + 3 x 0.5
    assert np.interp(18.0, times, fractions) == pytest.approx(1.0)
    # drawn censorings follow it: sorted, inside the interval, none after 18
    drawn = _interval(censor_seed=1, cdf=(tuple(times), tuple(fractions))).censor_times(400)
    assert drawn == sorted(drawn) and 10.0 <= drawn[0] and drawn[-1] <= 18.0
    assert np.mean(np.array(drawn) < 15.0) == pytest.approx(5 / 6.5, abs=0.05)
    # a curve at zero throughout shows the follow-up as it is
    _, zero = _censoring_cdf(_interval(), flat_time, np.zeros(2), (2.0, 3.0))
    np.testing.assert_allclose(zero, beta.cdf(np.linspace(0, 1, len(zero)), 2.0, 3.0), atol=1e-12)


def test_censoring_prior_draws_follow_up_with_its_mean_concentration_and_shared_part():
    from kmrepro.reconstruct.guyot import CensoringPrior

    prior = CensoringPrior(logit_mean=math.log(3.0), logit_mean_sd=(0.0, 0.0), log_concentration=math.log(4.0),
                           log_concentration_sd=(0.0, 0.0))
    a, b = prior.draw(np.random.default_rng(0), (0.3, -1.2))
    assert (a, b) == (pytest.approx(3.0), pytest.approx(1.0))  # mean 0.75, concentration 4, whatever the deviates
    shared = CensoringPrior(logit_mean=0.0, logit_mean_sd=(1.0, 0.0), log_concentration=0.0,
                            log_concentration_sd=(1.0, 0.0))
    rng = np.random.default_rng(1)
    assert shared.draw(rng, (0.5, 0.2)) == shared.draw(rng, (0.5, 0.2))  # no own part: arms of a trial alike
    assert shared.draw(rng, (0.5, 0.2)) != shared.draw(rng, (-0.5, 0.2))
    own = CensoringPrior(logit_mean=0.0, logit_mean_sd=(0.0, 1.0), log_concentration=0.0,
                         log_concentration_sd=(0.0, 1.0))
    drawn = np.array([own.draw(rng, (0.0, 0.0)) for _ in range(4000)])
    logit_m, log_k = np.log(drawn[:, 0] / drawn[:, 1]), np.log(drawn.sum(axis=1))
    assert np.std(logit_m) == pytest.approx(1.0, abs=0.05) and np.std(log_k) == pytest.approx(1.0, abs=0.05)


def test_prior_replaces_the_power_only_for_a_curve_without_a_table():
    from kmrepro.reconstruct.guyot import CensoringPrior, UnidentifiedChoices

    prior = CensoringPrior(logit_mean=0.0, logit_mean_sd=(0.5, 0.5), log_concentration=0.0,
                           log_concentration_sd=(0.5, 0.5))
    choices = UnidentifiedChoices(np.random.default_rng(3), censor_shape=3.0, tail_shape=3.0, whole_curve=prior)
    time, survival = np.array([0.0, 5.0, 10.0, 20.0]), np.array([1.0, 0.8, 0.6, 0.5])
    (whole,), offsets = choices.apply([_interval(start=0.0)], time, survival)
    assert whole.cdf is not None and whole.censor_shape == 1.0 and len(offsets) == 4
    table = [_interval(start=0.0, end=10.0, n_next=40), _interval()]
    drawn, _ = choices.apply(table, time, survival)
    assert all(iv.cdf is None for iv in drawn) and all(iv.censor_seed is not None for iv in drawn)


def test_both_arms_of_a_draw_share_the_trial_part_of_the_prior(gbsg2, monkeypatch):
    from kmrepro.reconstruct.guyot import CensoringPrior

    seen = []
    real = CensoringPrior.draw
    monkeypatch.setattr(CensoringPrior, "draw", lambda self, rng, trial: seen.append(tuple(trial)) or real(self, rng, trial))
    warnings.simplefilter("ignore")
    reconstruction_intervals(_digitized(gbsg2, use_table=False), sorted(gbsg2.arm.unique())[0], draws=3, seed=2)
    assert len(seen) == 6 and seen[0] == seen[1] and seen[2] == seen[3] and seen[0] != seen[2]
    seen.clear()
    reconstruction_intervals(_digitized(gbsg2), sorted(gbsg2.arm.unique())[0], draws=3, seed=2)
    assert seen == []  # with a risk table the intervals bound the censorings: no prior


def test_step_heights_correct_a_drawn_distribution_without_losing_its_shape():
    from kmrepro.reconstruct.guyot import IntervalWalk, _DigitizedPoints, _place_censorings_by_step_heights

    # 1000 at risk, one drop of 10 % at t = 12: its height says nothing about 1000 patients, so the drawn
    # distribution (censorings bunched between 16 and 20) stays as it was, knot for knot
    drawn = ((10.0, 16.0, 20.0), (0.0, 0.1, 1.0))
    iv = _interval(stop=2, cdf=drawn)
    points = _DigitizedPoints.of(np.array([10.0, 12.0]), np.array([1.0, 0.9]))
    walk = IntervalWalk(1000, [0, 100], [11.0] * 500, 400, 0.9)
    placed = _place_censorings_by_step_heights(points, iv, walk, corners=False)
    times, fractions = placed.cdf
    assert times == (10.0, 12.0, 16.0, 20.0)
    np.testing.assert_allclose(fractions, [0.0, 1 / 30, 0.1, 1.0], atol=2e-3)
    # in a small arm the heights move it: 10 at risk, a drop of 1 of 0.125 says 8 were at risk, 2 censored before 12
    small = _DigitizedPoints.of(np.array([10.0, 12.0]), np.array([1.0, 0.875]))
    walk = IntervalWalk(10, [0, 1], [11.0] * 5, 4, 0.875)
    moved = dict(zip(*_place_censorings_by_step_heights(small, iv, walk, corners=False).cdf))
    assert moved[12.0] > 0.3 and moved[16.0] > 0.3 and moved[20.0] == 1.0


def test_drawn_events_fall_along_their_slope_sorted_and_vertical_drops_stay_put():
    from kmrepro.reconstruct.guyot import UnidentifiedChoices, _spread_events_along_slopes

    time = np.array([0.0, 1.0, 1.0, 5.0, 9.0])  # a vertical drop at 1, slopes 1 -> 5 and 5 -> 9
    k, d = np.array([2, 3, 4]), np.array([3, 4, 1])
    draw = UnidentifiedChoices(np.random.default_rng(0))
    out = _spread_events_along_slopes(time, [_interval(start=0.0, end=9.0)], k, d, True, draw)
    assert len(out) == 8 and np.all(out[:3] == 1.0)
    assert np.all((out[3:7] >= 1.0) & (out[3:7] <= 5.0)) and np.all(np.diff(out[3:7]) >= 0)
    assert 5.0 <= out[7] <= 9.0
    fixed = _spread_events_along_slopes(time, [_interval(start=0.0, end=9.0)], k, d, True)
    assert fixed.tolist() == [1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 9.0]  # evenly, the last at the click


def test_pixel_noise_is_the_calibrated_pixels_in_axis_units():
    from kmrepro.reconstruct.intervals import pixel_noise

    calibration = {"x": {"px_per_unit": 10.0, "ticks": [0, 12]}, "y": {"px_per_unit": -4.0, "ticks": [0, 100]}}
    assert pixel_noise(calibration, px=2.0) == ClickNoise(time=0.2, survival=0.005)  # y in percent: 2 px = 0.5 %


def test_without_a_table_the_drawn_follow_up_widens_the_hr_interval(gbsg2):
    # With N only, where censorings fall over follow-up is unidentified: drawn from the prior, the HR moves more
    warnings.simplefilter("ignore")
    reference = sorted(gbsg2.arm.unique())[0]
    n_only = _digitized(gbsg2, use_table=False)
    widths = [reconstruction_intervals(n_only, reference, draws=40, seed=3, censoring_prior=prior)["comparison.hazard_ratio"]
              for prior in (iv.CENSORING_PRIOR, None)]
    with_prior, without = (w["upper"] - w["lower"] for w in widths)
    assert with_prior > 1.25 * without  # 0.046 against 0.032
    assert widths[0]["lower"] <= draw_statistics(_arms(gbsg2), reference, [])["comparison.hazard_ratio"] <= widths[0]["upper"]


def test_robust_sd_of_differences_of_two_clicks():
    # median(diff^2) = 1 = chi2(1)'s median x 2 sd^2, so sd = sqrt(1 / (2 x 0.454936...))
    assert iv._robust_sd(np.array([1.0, -1.0, 1.0, -3.0, 0.5])) == pytest.approx(1.0483580825075314, rel=1e-12)


def test_survival_at_the_last_observed_time_and_past_it():
    time, event = np.array([1.0, 2.0]), np.array([1, 0])
    assert iv._survival_at(time, event, 2.0) == 0.5
    assert iv._survival_at(time, event, 2.5) is None


def test_a_draw_without_noise_or_drawn_choices_is_the_point_reconstruction():
    # zero click noise, rounding half up and even censoring: the draw is reconstruct()'s IPD, with the risk
    # table, N and the event total all used
    from kmrepro.reconstruct.cleaning import clean_curve
    from kmrepro.reconstruct.guyot import reconstruct

    t, s = np.array([0, 1, 1, 2, 2, 10.0]), np.array([1, 1, 0.875, 0.875, 0.75, 0.75])
    arm = ArmDigitization(DigitizedCurve(t, s, "a.csv", "proportion"), 22,
                          RiskTable(np.array([0.0, 5.0]), np.array([20, 15]), "r.csv"), total_events=4)
    draw_time, draw_event = iv._draw_arm(arm, ClickNoise(0.0, 0.0), np.random.default_rng(1),
                                         {"rounding_spread": 0.0, "random_censoring": False})
    point = reconstruct(clean_curve(t, s), 22, [0.0, 5.0], [20, 15], 4).ipd
    np.testing.assert_array_equal(draw_time, point["time"].to_numpy())
    np.testing.assert_array_equal(draw_event, point["event"].to_numpy())
    assert len(draw_time) == 22 and draw_event.sum() == 4
    no_table = ArmDigitization(arm.curve, 20)
    _, event = iv._draw_arm(no_table, ClickNoise(0.0, 0.0), np.random.default_rng(1),
                            {"rounding_spread": 0.0, "random_censoring": False})
    np.testing.assert_array_equal(event, reconstruct(clean_curve(t, s), 20).ipd["event"].to_numpy())
    # with the choices drawn, the 2.5 events at t=1 round either way from draw to draw
    drawn = set()
    for seed in range(10):
        time, event = iv._draw_arm(no_table, ClickNoise(0.0, 0.0), np.random.default_rng(seed),
                                   {"rounding_spread": 1.0, "random_censoring": False})
        drawn.add(int(event[time == 1.0].sum()))
    assert drawn == {2, 3}


@pytest.mark.parametrize("kwargs, problem", [
    ({"draws": 0}, "draws must be >= 1, got 0"),
    ({"reference": "c"}, "need two arms including the reference 'c', got ['a', 'b']"),
])
def test_reconstruction_intervals_reject_bad_arguments(kwargs, problem):
    arm = ArmDigitization(DigitizedCurve(np.array([0.0, 1.0]), np.array([1.0, 0.5]), "a.csv", "proportion"), 10)
    args = {"arms": {"a": arm, "b": arm}, "reference": "a"} | kwargs
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        reconstruction_intervals(**args)
    with pytest.raises(ValueError, match=r"^need two arms including the reference 'a', got \['a', 'b', 'c'\]$"):
        reconstruction_intervals({"a": arm, "b": arm, "c": arm}, "a")


def _staircase(drops: int):
    """A staircase clicked at both corners of each drop at t = 10, 20, ...: each bottom corner 0.01 to the right
    of its top corner, and each top corner 0.001 above the plateau the previous bottom corner marks."""
    levels = 1 - np.arange(drops + 1) / 20
    t = np.repeat(10.0 * np.arange(1, drops + 1), 2) + np.tile([0.0, 0.01], drops)
    s = np.column_stack([levels[:-1] + 0.001, levels[1:]]).ravel()
    s[0] = 1.0  # the first top corner is on the axis
    return t, s


def test_noise_estimate_is_the_robust_sd_of_the_corner_gaps_and_plateau_steps():
    unit = 1.0483580825075314  # sd from differences of two clicks all of size 1 (test above)
    noise = estimate_click_noise(*_staircase(10))  # 10 corner pairs, 9 plateaus between them
    assert noise.time == pytest.approx(0.01 * unit, rel=1e-9)
    assert noise.survival == pytest.approx(0.001 * unit, rel=1e-6)
    five = estimate_click_noise(*_staircase(5))  # MIN_NOISE_PAIRS corner pairs, but only 4 plateaus
    assert five.time == pytest.approx(0.01 * unit, rel=1e-9) and five.survival == iv.FALLBACK_SURVIVAL_NOISE
    t, s = _staircase(4)  # too few pairs for either: the fallbacks, time from the survival one
    four = estimate_click_noise(t, s)
    assert four.survival == iv.FALLBACK_SURVIVAL_NOISE
    assert four.time == pytest.approx(iv.FALLBACK_SURVIVAL_NOISE * iv.PLOT_ASPECT * (t[-1] - t[0]), rel=1e-12)
    six = estimate_click_noise(*_staircase(6))  # 5 plateaus: MIN_NOISE_PAIRS, measured
    assert six.survival == pytest.approx(0.001 * unit, rel=1e-6)
    fallback_time = iv.FALLBACK_SURVIVAL_NOISE * iv.PLOT_ASPECT
    assert estimate_click_noise(np.array([5.0]), np.array([0.5])).time == fallback_time  # one click: span 1
    assert estimate_click_noise(np.array([2.0, 10.0]), np.array([0.9, 0.5])).time == pytest.approx(8 * fallback_time)


def test_logrank_p_matches_lifelines_when_the_last_event_has_one_at_risk():
    from lifelines.statistics import logrank_test

    time = np.array([1.0, 2, 2, 3, 4, 5, 6, 7])
    event = np.array([1, 1, 1, 0, 1, 1, 1, 1])  # t=6: two at risk, one per group; t=7: one, no variance
    group = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    g1, g0 = group == 1, group == 0
    expected = logrank_test(time[g1], time[g0], event[g1], event[g0]).p_value
    assert iv.logrank_p(time, event, group) == pytest.approx(expected, rel=1e-10)
    # Cox on so few patients has an information below 1; the fit still converges to lifelines' HR
    frame = pd.DataFrame({"arm": np.where(g1, "b", "a"), "time": time, "event": event})
    stats = analyse_endpoint(frame, ["a", "b"], "a", [], 5.0, "t", "e", "u")
    assert math.exp(iv.cox_binary(time, event, group)[0]) == pytest.approx(stats["comparison"]["hazard_ratio"]["estimate"],
                                                                          rel=1e-9)


def test_a_draw_whose_hazard_ratio_cannot_be_fitted_reports_none():
    t = np.arange(1.0, 6.0)
    stats = draw_statistics({"a": (t, np.zeros(5, int)), "b": (t, np.ones(5, int))}, "b", [])
    assert stats["comparison.hazard_ratio"] is None and stats["arms.a.median"] is None


def test_a_single_draw_is_enough():
    arm = ArmDigitization(DigitizedCurve(np.array([0, 1, 1, 5.0]), np.array([1, 1, 0.5, 0.5]), "a.csv", "proportion"), 10,
                          noise=ClickNoise(0.01, 0.001))
    out = reconstruction_intervals({"a": arm, "b": arm}, "a", draws=1)
    assert out["arms.a.events"]["draws"] == 1 and out["arms.a.events"]["failed"] == 0
