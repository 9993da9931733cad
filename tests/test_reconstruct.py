import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from lifelines.datasets import load_gbsg2

from kmrepro.api import DigitizationWarning, reconstruct_arm
from kmrepro.reconstruct.cleaning import CleanCurve, clean_curve
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.analysis.km import km_at
from kmrepro.reconstruct.guyot import UnidentifiedChoices, reconstruct
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


# Small hand-worked arms through reconstruct() itself, each pinning one step of guyot.py (issue 12: make mutation).


def clicks(t, s) -> CleanCurve:
    return CleanCurve(np.asarray(t, float), np.asarray(s, float), ())


def event_times(rec) -> list[float]:
    return rec.ipd.time[rec.ipd.event == 1].tolist()


def censor_times(rec) -> list[float]:
    return rec.ipd.time[rec.ipd.event == 0].tolist()


# 20 at risk, a drop of 2.45 events at t=1 (table: 17 at t=2): two events and one censoring before the drop.
SHORT_DROP = clicks([0, 1, 1, 5], [1, 1, 0.8775, 0.8775])


def test_diagnostics_of_a_drop_the_reconstruction_cannot_follow_exactly():
    rec = reconstruct(SHORT_DROP, 20, [0, 2, 5], [20, 17, 17], total_events=2)
    # the censoring goes before the drop (its height says fewer than 20 were at risk), so the KM after it
    # is 17/19 against the clicked 0.8775 at t=1 (bottom corner) and t=5; the top corner at t=1 is met
    gap = 17 / 19 - 0.8775
    assert rec.diagnostics == {
        "n": 20, "events": 2, "events_published": 2, "censored": 18, "end_of_follow_up": 5.0,
        "at_risk": [
            {"time": 0.0, "published": 20, "reconstructed": 20, "difference": 0},
            {"time": 2.0, "published": 17, "reconstructed": 17, "difference": 0},
            {"time": 5.0, "published": 17, "reconstructed": 17, "difference": 0},
        ],
        "max_at_risk_difference": 0,
        "curve_fit": {"points": 4, "rmse": pytest.approx(gap / np.sqrt(2), rel=1e-12),
                      "mean_abs_error": pytest.approx(gap / 2, rel=1e-12),
                      "max_abs_error": pytest.approx(gap, rel=1e-12)},
        "events_relabelled_to_meet_total": 0,
        "drops_read_as": "corner pairs and slopes",
    }
    assert event_times(rec) == [1.0, 1.0] and censor_times(rec) == [0.5] + [5.0] * 17


def test_a_table_without_time_zero_starts_from_n_at_risk():
    with_zero = reconstruct(SHORT_DROP, 20, [0, 2, 5], [20, 17, 17])
    without = reconstruct(SHORT_DROP, 20, [2, 5], [17, 17])
    pd.testing.assert_frame_equal(without.ipd, with_zero.ipd)
    assert [row["time"] for row in without.diagnostics["at_risk"]] == [0.0, 2.0, 5.0]
    early = reconstruct(SHORT_DROP, 20, [1, 2, 5], [20, 17, 17])  # a first table time of 1 (the drop's)
    assert [row["time"] for row in early.diagnostics["at_risk"]] == [0.0, 1.0, 2.0, 5.0]


def test_a_table_with_no_one_at_risk_censors_everyone_at_time_zero():
    rec = reconstruct(clicks([0, 0.5], [1, 1]), 3, [0], [0])
    assert rec.ipd.values.tolist() == [[0.0, 0]] * 3
    assert rec.diagnostics["end_of_follow_up"] == 0.5


def test_patients_beyond_the_tables_first_count_are_censored_at_time_zero():
    rec = reconstruct(SHORT_DROP, 22, [0, 2, 5], [20, 17, 17])
    assert censor_times(rec)[:3] == [0.0, 0.0, 0.5] and len(rec.ipd) == 22
    assert rec.diagnostics["at_risk"][0] == {"time": 0.0, "published": 20, "reconstructed": 22, "difference": 2}
    assert rec.diagnostics["max_at_risk_difference"] == 2


def test_a_flat_curve_without_a_table_censors_everyone_evenly():
    rec = reconstruct(clicks([0, 5], [1, 1]), 5)
    assert censor_times(rec) == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert rec.diagnostics["drops_read_as"] == "corner pairs and slopes"  # no drop contradicts corner pairs
    assert rec.diagnostics["events_relabelled_to_meet_total"] == 0


def test_censorings_fall_at_the_quantiles_the_step_heights_give():
    # test_refinements' arm: 2 events at t=2 among 20 (drop 0.1), 1 at t=8 among 14 (drop 0.9/14), 4
    # censorings in [0, 10). Each drop's implied censorings so far (20 - 20 = 0 at t=2, 20 - 2 - 14 = 4 at
    # t=8) is weighed against even spreading (4 x 0.2, 4 x 0.8; variance 4 f (1 - f) + 1/4) by inverse
    # variance, the heights' variance being (n sqrt(2) x 0.002 / height)^2; the four censorings sit at the
    # quantiles 1/8, 3/8, 5/8, 7/8 of the resulting distribution, linear between t=2 and t=8.
    s1, s2 = 0.9, 0.9 * 13 / 14
    rec = reconstruct(clicks([0, 2, 2, 8, 8, 10], [1, 1, s1, s1, s2, s2]), 20, [0, 10], [20, 13])

    def share(implied, implied_n, height, f):
        var_heights, var_even = (implied_n * np.sqrt(2) * 0.002 / height) ** 2, 4 * f * (1 - f) + 0.25
        return (implied / var_heights + 4 * f / var_even) / (1 / var_heights + 1 / var_even) / 4

    at_2, at_8 = share(0, 20, 0.1, 0.2), share(4, 14, s1 - s2, 0.8)
    expected = [2 + (q - at_2) / (at_8 - at_2) * 6 for q in (1 / 8, 3 / 8, 5 / 8, 7 / 8)]
    assert censor_times(rec)[:4] == pytest.approx(expected, rel=1e-9)
    assert event_times(rec) == [2.0, 2.0, 8.0]


def test_censorings_go_to_the_censor_marks_of_their_interval():
    # 3 censorings in [0, 5) over the marks 2 and 3 (quantiles 1/6, 1/2, 5/6 of their empirical
    # distribution), 3 in [5, 10) on the mark 7; the mark at 12 lies past the curve
    rec = reconstruct(clicks([0, 1, 1, 10], [1, 1, 0.9, 0.9]), 20, [0, 5, 10], [20, 15, 12],
                      censor_marks=[12.0, 7.0, 3.0, 2.0])
    assert event_times(rec) == [1.0, 1.0]
    assert censor_times(rec) == [2.0, 3.0, 3.0, 7.0, 7.0, 7.0] + [10.0] * 12


def test_rounding_is_calibrated_to_meet_the_published_event_total():
    # 2.5 events at t=1 round up to 3, leaving 17 where the table says 18; the published total of 2 is met
    # by a lower rounding threshold, which also meets the table, without relabelling anyone
    curve = clicks([0, 1, 1, 5], [1, 1, 0.875, 0.875])
    half_up = reconstruct(curve, 20, [0, 2, 5], [20, 18, 18])
    assert event_times(half_up) == [1.0] * 3 and half_up.diagnostics["max_at_risk_difference"] == 1
    calibrated = reconstruct(curve, 20, [0, 2, 5], [20, 18, 18], total_events=2)
    assert event_times(calibrated) == [1.0, 1.0] and censor_times(calibrated) == [5.0] * 18
    assert calibrated.diagnostics["events_relabelled_to_meet_total"] == 0
    assert calibrated.diagnostics["max_at_risk_difference"] == 0


def test_a_total_the_curve_cannot_give_is_met_by_relabelling_evenly_spread_censorings():
    # no drop at all but 2 published events: of the 10 even censorings (0.5 ... 9.5) the 1st and 6th become events
    rec = reconstruct(clicks([0, 10], [1, 1]), 10, total_events=2)
    assert event_times(rec) == [0.5, 5.5]
    assert censor_times(rec) == [1.5, 2.5, 3.5, 4.5, 6.5, 7.5, 8.5, 9.5]
    assert rec.diagnostics["events_relabelled_to_meet_total"] == 2


def test_fixed_draws_give_the_point_reconstruction():
    fixed = UnidentifiedChoices(np.random.default_rng(1), rounding_spread=0, random_censoring=False)
    curve = clicks([0, 1, 1, 10], [1, 1, 0.9, 0.9])
    pd.testing.assert_frame_equal(reconstruct(curve, 20, [0, 5, 10], [20, 15, 12], draw=fixed).ipd,
                                  reconstruct(curve, 20, [0, 5, 10], [20, 15, 12]).ipd)


@pytest.mark.parametrize("seed", range(10))
def test_drawn_choices_stay_within_what_the_curve_and_table_allow(seed):
    # drawn rounding and censoring (shapes up to 3, as intervals.py draws them) still meet the table, keep
    # every censoring inside its interval and every event at its drop, and a whole-event drop whole
    curve = clicks([0, 1, 1, 10], [1, 1, 0.75, 0.75])
    choices = UnidentifiedChoices(np.random.default_rng(seed), rounding_spread=1.0, censor_shape=3, tail_shape=3)
    rec = reconstruct(curve, 20, [0, 5, 10], [20, 15, 12], draw=choices)
    assert rec.diagnostics["max_at_risk_difference"] == 0
    censored = np.array(censor_times(rec))
    assert set(event_times(rec)) == {1.0}
    assert np.sum(censored < 5) + len(event_times(rec)) == 5
    assert np.sum((censored >= 5) & (censored < 10)) == 3 and np.sum(censored == 10) == 12
    same = reconstruct(curve, 20, [0, 5, 10], [20, 15, 12],
                       draw=UnidentifiedChoices(np.random.default_rng(seed), rounding_spread=1.0, censor_shape=3,
                                                tail_shape=3))
    pd.testing.assert_frame_equal(rec.ipd, same.ipd)


def test_drops_are_read_as_corner_pairs_from_one_vertical_drop_in_four():
    # the clicks span 500: a drop whose clicks are CORNER_FRACTION x 500 = 1 apart is vertical, and one
    # vertical drop in four (CORNER_SHARE) is enough to read all drops as corner pairs
    def read_as(t_second_corner):
        curve = clicks([0, 100, t_second_corner, 200, 300, 400, 500], [1, 1, 0.9, 0.8, 0.7, 0.6, 0.6])
        return reconstruct(curve, 20).diagnostics["drops_read_as"]

    assert read_as(101.0) == "corner pairs and slopes"
    assert read_as(101.5) == "one click per drop"


def test_a_censoring_at_the_time_of_a_drop_leaves_after_its_events():
    # 20 at risk, 2.5 events at t=1, a censor mark at t=1 too: the events come first (3 of 20, not 2.375
    # of 19), then the censoring, which meets the table's 16 at t=5; the IPD lists the events first
    rec = reconstruct(clicks([0, 1, 1, 10], [1, 1, 0.875, 0.875]), 20, [0, 5, 10], [20, 16, 16], censor_marks=[1.0])
    assert rec.ipd.head(5).values.tolist() == [[1.0, 1], [1.0, 1], [1.0, 1], [1.0, 0], [10.0, 0]]


def test_follow_up_ends_with_the_curve_unless_the_table_has_patients_at_risk_later():
    # flat curve to t=8, 20 patients; the table empties by t=10: the 15 censorings of [5, 10) are spread
    # over [5, 8), where the curve ends (5.1, 5.3, ..., 7.9); with 3 still at risk at t=10, over [5, 10)
    emptied = reconstruct(clicks([0, 8], [1, 1]), 20, [0, 5, 10], [20, 15, 0])
    assert censor_times(emptied) == pytest.approx([0.5, 1.5, 2.5, 3.5, 4.5] + [5 + 0.2 * k + 0.1 for k in range(15)])
    assert emptied.diagnostics["end_of_follow_up"] == 8.0
    still_at_risk = reconstruct(clicks([0, 8], [1, 1]), 20, [0, 5, 10], [20, 15, 3])
    assert censor_times(still_at_risk) == pytest.approx(
        [0.5, 1.5, 2.5, 3.5, 4.5] + [5 + 5 * (k + 0.5) / 12 for k in range(12)] + [10.0] * 3)
    assert still_at_risk.diagnostics["end_of_follow_up"] == 10.0
    ends_at_a_table_time = reconstruct(clicks([0, 5], [1, 1]), 20, [0, 5, 10], [20, 15, 0])
    assert censor_times(ends_at_a_table_time) == [0.5, 1.5, 2.5, 3.5, 4.5] + [5.0] * 15
    one_at_risk = reconstruct(clicks([0, 8], [1, 1]), 20, [0, 5, 10], [20, 15, 1])
    assert one_at_risk.diagnostics["end_of_follow_up"] == 10.0 and censor_times(one_at_risk)[-1] == 10.0


def test_rounding_is_calibrated_up_when_the_total_needs_more_events():
    # 2.3 events at t=1 among 20 (table: 17 left at t=2), then 1 event at t=5 among 17; 4 published events.
    # Rounding half up gives 2 events and a censoring before t=2; only a threshold above 0.7 rounds 2.3 up
    # to 3, which also meets the table with no censoring.
    s1 = 1 - 2.3 / 20
    curve = clicks([0, 1, 1, 5, 5, 10], [1, 1, s1, s1, s1 * 16 / 17, s1 * 16 / 17])
    half_up = reconstruct(curve, 20, [0, 2], [20, 17])
    assert event_times(half_up) == [1.0, 1.0, 5.0] and censor_times(half_up)[0] == 0.5
    calibrated = reconstruct(curve, 20, [0, 2], [20, 17], total_events=4)
    assert event_times(calibrated) == [1.0, 1.0, 1.0, 5.0] and min(censor_times(calibrated)) > 2
    assert calibrated.diagnostics["events_relabelled_to_meet_total"] == 0


def test_a_surplus_event_is_relabelled_a_censoring():
    # 2.5 events at t=1 and about 2.4 at t=2 among 20, 15 at risk at t=10: five events whatever the rounding,
    # one more than the 4 published; the first event (of the five, evenly spread) becomes a censoring
    rec = reconstruct(clicks([0, 1, 1, 2, 2, 10], [1, 1, 0.875, 0.875, 0.75, 0.75]), 20, [0, 10], [20, 15],
                      total_events=4)
    assert event_times(rec) == [1.0, 1.0, 2.0, 2.0] and censor_times(rec) == [1.0] + [10.0] * 15
    assert rec.diagnostics["events_relabelled_to_meet_total"] == 1


def test_a_censor_mark_at_a_table_time_belongs_to_the_interval_it_starts():
    # marks at 2 and 5: the interval [0, 5) has 3 censorings on the mark 2, [5, 10) has 3 on the mark 5
    rec = reconstruct(clicks([0, 1, 1, 10], [1, 1, 0.9, 0.9]), 20, [0, 5, 10], [20, 15, 12], censor_marks=[5.0, 2.0])
    assert censor_times(rec) == [2.0] * 3 + [5.0] * 3 + [10.0] * 12


def test_a_near_vertical_drop_through_a_table_time_is_not_split():
    # the clicks span 200, so clicks up to 0.005 x 200 = 1 apart mark one time: the drop clicked at 99.5 and
    # 100.5 (2 events among 19) is vertical, after the table time 100 (19 at risk there), not a slope to split
    curve = clicks([0, 20, 20, 99.5, 100.5, 200], [1, 1, 0.95, 0.95, 0.85, 0.85])
    rec = reconstruct(curve, 20, [0, 100, 200], [20, 19, 17])
    assert event_times(rec) == [20.0, 100.25, 100.5]  # spread along the click's width, after the table time
    assert rec.diagnostics["max_at_risk_difference"] == 0


def test_a_table_time_splits_a_slope_at_its_interpolated_height():
    # 20 patients: 1 event at t=1, 1 along a slope to (4, 0.9), then 4 along a slope from (4, 0.9) to
    # (8, 0.7), cut by the table time 6 at height 0.8: 18 x (1 - 0.8 / 0.9) = 2 events before t=6
    rec = reconstruct(clicks([0, 1, 1, 4, 8, 10], [1, 1, 0.95, 0.9, 0.7, 0.7]), 20, [0, 6, 10], [20, 16, 14])
    assert event_times(rec) == pytest.approx([1, 4, 5, 6, 7, 8])
    assert rec.diagnostics["max_at_risk_difference"] == 0


def test_a_table_time_splits_a_slope_from_the_start_of_the_curve():
    # 4 events along the first segment, (0, 1) to (4, 0.8), cut at t=2 (18 at risk), then 2 at a vertical drop
    rec = reconstruct(clicks([0, 4, 4, 10], [1, 0.8, 0.7, 0.7]), 20, [0, 2, 10], [20, 18, 14])
    assert event_times(rec) == pytest.approx([1, 2, 3, 4, 4, 4])
    assert rec.diagnostics["max_at_risk_difference"] == 0


def test_a_slope_ending_exactly_at_a_table_time_keeps_its_events_at_its_click():
    # the table time falls on the slope's last click, not inside it: its events stay at the click, and so
    # count among those at risk at t=6 (R counts a patient whose event is at t as at risk at t)
    rec = reconstruct(clicks([0, 1, 1, 4, 6, 10], [1, 1, 0.95, 0.95, 0.85, 0.85]), 20, [0, 6, 10], [20, 19, 17])
    assert event_times(rec) == [1.0, 6.0, 6.0]
    assert rec.diagnostics["max_at_risk_difference"] == 0


@pytest.mark.parametrize("spread, counts", [(1.0, {2, 3}), (0.0, {3})])
def test_drawn_rounding_of_half_an_event_goes_both_ways(spread, counts):
    # 2.5 events at t=1 among 20 (no censoring before it): floor(2.5 + 0.5 + u), u uniform on [-spread/2, spread/2)
    curve = clicks([0, 1, 1, 100], [1, 1, 0.875, 0.875])
    drawn = {int(reconstruct(curve, 20, draw=UnidentifiedChoices(np.random.default_rng(seed), rounding_spread=spread,
                                                                  random_censoring=False)).ipd.event.sum())
             for seed in range(20)}
    assert drawn == counts


def test_drawn_censoring_shapes_are_log_uniform_between_one_over_the_shape_and_the_shape():
    # 50 patients censored over a flat curve's [0, 10) (the tail interval): their mean position is about
    # 1 / (shape + 1). Shapes log-uniform on [1/1000, 1000]: half the draws cluster early (shape > 1), and only
    # |log shape| < log 3, a share log 3 / log 1000 = 0.16 of the draws, leaves the mean within [0.25, 0.75]
    mean_position = []
    for seed in range(200):
        choices = UnidentifiedChoices(np.random.default_rng(seed), rounding_spread=0, censor_shape=1, tail_shape=1000)
        mean_position.append(reconstruct(clicks([0, 10], [1, 1]), 50, draw=choices).ipd.time.mean() / 10)
    mean_position = np.array(mean_position)
    assert 0.4 < np.mean(mean_position < 0.5) < 0.6
    assert np.mean((mean_position > 0.25) & (mean_position < 0.75)) < 0.3


def test_drawn_censorings_use_the_interval_shape_before_the_last_table_time_and_the_tail_shape_after():
    # a table time at 5: [0, 5) draws its shape from censor_shape (1: uniform draws), [5, 10) from tail_shape
    curve = clicks([0, 10], [1, 1])

    def censorings(seed, tail_shape):
        choices = UnidentifiedChoices(np.random.default_rng(seed), rounding_spread=0, censor_shape=1, tail_shape=tail_shape)
        times = np.array(censor_times(reconstruct(curve, 20, [0, 5], [20, 10], draw=choices)))
        return times[times < 5], times[times >= 5]

    early, tail = censorings(3, tail_shape=1)
    assert len(early) == 10 and len(np.unique(early)) == 10
    assert not np.allclose(early, 0.25 + 0.5 * np.arange(10))  # drawn, not evenly spaced
    assert not np.allclose(early, censorings(4, tail_shape=1)[0])  # and drawn anew for each seed
    early_wide, tail_wide = censorings(3, tail_shape=1000)
    np.testing.assert_array_equal(early_wide, early)
    assert not np.allclose(tail_wide, tail)


def test_the_censoring_search_starts_from_the_curves_own_estimate():
    # 20 at risk, 95 % die at t=9, 1 left at t=10 (the table). Up to 9 censorings before the drop leave 1 too
    # (each replaces an event: 19 x 0.95 = 18.05 rounds to 18, ...), so where the search starts decides: from
    # the curve's estimate, 20 x 0.05 - 1 = 0 censorings, 19 events
    rec = reconstruct(clicks([0, 9, 9, 12], [1, 1, 0.05, 0.05]), 20, [0, 10], [20, 1])
    assert event_times(rec) == [9.0] * 19 and censor_times(rec) == [11.0]


def test_a_table_leaving_more_at_risk_than_the_curve_invents_no_censoring():
    # the same curve with 3 at risk at t=10: no censoring count gets there; the curve's 19 events are kept
    rec = reconstruct(clicks([0, 9, 9, 12], [1, 1, 0.05, 0.05]), 20, [0, 10], [20, 3])
    assert event_times(rec) == [9.0] * 19 and censor_times(rec) == [11.0]
    assert rec.diagnostics["max_at_risk_difference"] == 2


def test_the_censoring_search_estimate_is_relative_to_the_km_at_the_intervals_start():
    # 40 patients, 20 events at t=1 (KM 0.5), 20 at risk at t=10. In [10, 20) the curve falls from 0.5 to
    # 0.4375: 20 x 0.4375 / 0.5 = 17.5 expected at t=20 against the table's 17, so the search starts from half a
    # censoring, rounded up: one censoring before the drop at t=18, and 19 x 0.125 = 2.375, two events
    rec = reconstruct(clicks([0, 1, 1, 18, 18, 25], [1, 1, 0.5, 0.5, 0.4375, 0.4375]), 40, [0, 10, 20], [40, 20, 17])
    assert event_times(rec) == [1.0] * 20 + [18.0] * 2
    assert len([t for t in censor_times(rec) if 10 <= t < 18]) == 1
    assert rec.diagnostics["max_at_risk_difference"] == 0


def test_a_curve_falling_to_zero_before_a_table_time_ends_the_search_there():
    rec = reconstruct(clicks([0, 1, 1, 5], [1, 1, 0, 0]), 10, [0, 2, 5], [10, 0, 0])
    assert event_times(rec) == [1.0] * 10 and rec.diagnostics["max_at_risk_difference"] == 0


def test_with_corner_pairs_a_sloped_drops_height_says_nothing_about_censorings():
    # as test_censorings_fall_at_the_quantiles_the_step_heights_give, but the drop at t=8 is clicked as a slope
    # from t=6: only the vertical drop at t=2 is read, so the censorings spread over [2, 10), one after t=8
    s1, s2 = 0.9, 0.9 * 13 / 14
    rec = reconstruct(clicks([0, 2, 2, 6, 8, 10], [1, 1, s1, s1, s2, s2]), 20, [0, 10], [20, 13])
    inside = [t for t in censor_times(rec) if t < 10]
    assert len(inside) == 4 and 2 < min(inside) and max(inside) > 8


@pytest.mark.parametrize("total, left_at_the_end", [(10, 0), (11, 12), (12, 32)])
def test_a_published_total_decides_how_many_stay_at_risk_to_the_end_of_the_curve(total, left_at_the_end):
    # 60 patients, no table, drops of 10 % at t=1 and 11 % at t=4: censoring everyone evenly gives 10 events;
    # more published events mean fewer censored before the drops, so more still at risk at the curve's end
    rec = reconstruct(clicks([0, 1, 1, 4, 4, 10], [1, 1, 0.9, 0.9, 0.8, 0.8]), 60, total_events=total)
    assert rec.ipd.event.sum() == total and rec.diagnostics["events_relabelled_to_meet_total"] == 0
    assert censor_times(rec).count(10.0) == left_at_the_end


def test_the_last_patient_at_risk_can_have_the_last_event():
    rec = reconstruct(clicks([0, 1, 1, 2, 2, 3], [1, 1, 0.5, 0.5, 0, 0]), 2)
    assert rec.ipd.values.tolist() == [[1.0, 1], [2.0, 1]]


def test_a_total_met_only_with_no_censoring_in_the_tail_censors_no_one_early():
    # 20 patients, 90 % die at t=9.9 and 18 events are published: any censoring spread over [0, 10) falls
    # before the drop and leaves 19 x 0.9 = 17.1, 17 events, so the tail's censoring count is 0
    rec = reconstruct(clicks([0, 9.9, 9.9, 10], [1, 1, 0.1, 0.1]), 20, total_events=18)
    assert event_times(rec) == [9.9] * 18 and censor_times(rec) == [10.0, 10.0]
    none = reconstruct(clicks([0, 9.9, 9.9, 10], [1, 1, 0.1, 0.1]), 20, total_events=0)  # all censored before it
    assert censor_times(none) == [0.25 + 0.5 * k for k in range(20)]
    assert none.diagnostics["events_relabelled_to_meet_total"] == 0


def test_the_tail_is_fitted_to_the_events_the_table_intervals_left_to_the_total():
    # 60 patients, 6 events at t=1 and 6 at t=2.5 (table: 54 at t=2, 48 at t=3), then 12.5 % die at t=5 in the
    # tail: 6 if no one is censored before, 4 with everyone censored evenly over [3, 10). A published total of
    # 17 leaves 17 - 12 = 5 for the tail
    s1 = 0.9
    s2 = s1 * 48 / 54
    s3 = s2 * 42 / 48
    curve = clicks([0, 1, 1, 2.5, 2.5, 5, 5, 10], [1, 1, s1, s1, s2, s2, s3, s3])
    assert event_times(reconstruct(curve, 60, [0, 2, 3], [60, 54, 48])).count(5.0) == 4
    rec = reconstruct(curve, 60, [0, 2, 3], [60, 54, 48], total_events=17)
    assert [event_times(rec).count(t) for t in (1.0, 2.5, 5.0)] == [6, 6, 5]
    assert rec.diagnostics["events_relabelled_to_meet_total"] == 0 and rec.diagnostics["max_at_risk_difference"] == 0


def test_a_near_vertical_drop_within_the_tolerance_is_read_for_censorings():
    # as test_censorings_fall_at_the_quantiles_the_step_heights_give on a 200-long axis, the drop at t=160
    # clicked 1 wide (SAME_TIME_FRACTION x 200, the tolerance itself): its height is read, so all 4 censorings
    # fall between the drops, none after t=160
    s1, s2 = 0.9, 0.9 * 13 / 14
    rec = reconstruct(clicks([0, 40, 40, 159, 160, 200], [1, 1, s1, s1, s2, s2]), 20, [0, 200], [20, 13])
    inside = [t for t in censor_times(rec) if t < 200]
    assert event_times(rec) == [40.0, 40.0, 160.0]
    assert len(inside) == 4 and all(40 < t < 159 for t in inside), inside


def test_a_curve_ending_with_a_drop_at_a_table_time_censors_the_rest_there():
    # the interval [5, 5) holds the last drop (2 events among 20) and the 18 censorings the table's 0 calls for
    rec = reconstruct(clicks([0, 5, 5], [1, 1, 0.9]), 20, [0, 5, 10], [20, 20, 0])
    assert event_times(rec) == [5.0, 5.0] and censor_times(rec) == [5.0] * 18
    assert rec.diagnostics["curve_fit"]["max_abs_error"] == 0  # the last click is the drop's bottom corner


def test_the_censoring_search_steps_from_its_estimate_to_the_table():
    # 22 patients: 4 events at t=4, 4 censored between, 4 events at t=7 among 14; 10 at risk at t=10. The
    # curve's estimate, 22 x 18/22 x 10/14 - 10 = 2.86, starts the search at 3 censorings, one short of the
    # table; the next step takes 4, and the step heights put all four between the drops
    s1, s2 = 18 / 22, 18 / 22 * 10 / 14
    rec = reconstruct(clicks([0, 4, 4, 7, 7, 10], [1, 1, s1, s1, s2, s2]), 22, [0, 10], [22, 10])
    assert event_times(rec) == [4.0] * 4 + [7.0] * 4
    assert len(censor_times(rec)) == 14 and all(4 < t < 7 for t in censor_times(rec)[:4])
    assert rec.diagnostics["max_at_risk_difference"] == 0


def test_a_total_reached_before_the_tail_leaves_the_tail_without_events():
    # 3 events at t=4 and a censoring before the table time 7 (16 at risk); 3 events published, so the drop of
    # one event in 16 at t=11 is not counted: the rounding is calibrated down until the tail has none
    s1 = 0.85
    rec = reconstruct(clicks([0, 4, 4, 11, 11, 20], [1, 1, s1, s1, s1 * 15 / 16, s1 * 15 / 16]), 20, [0, 7], [20, 16],
                      total_events=3)
    assert event_times(rec) == [4.0] * 3 and rec.diagnostics["events_relabelled_to_meet_total"] == 0


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

