import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrepro.reconstruct.cleaning import clean_curve, order_corners
from conftest import examples


def test_corners_clicked_out_of_order_keep_a_vertical_drop():
    # The bottom corner of the drop at t=5 landed a hair left of its top corner.
    clean = clean_curve([0, 2, 5.001, 4.999, 8], [1, 1, 0.9, 0.8, 0.8])
    assert clean.survival.min() == 0.8
    # The drop stays a drop at ~5, not an average smeared over both clicks.
    assert np.interp(4.99, clean.time, clean.survival) > 0.89


def test_isotonic_fit_averages_a_noisy_rise_instead_of_ratcheting_down():
    clean = clean_curve([0, 1, 2, 3], [1, 0.80, 0.82, 0.70], monotone="isotonic")
    np.testing.assert_allclose(clean.survival, [1, 0.81, 0.81, 0.70])
    ratchet = clean_curve([0, 1, 2, 3], [1, 0.80, 0.82, 0.70], monotone="running-min")
    np.testing.assert_allclose(ratchet.survival, [1, 0.80, 0.80, 0.70])  # ratchets to the low click
    assert any("rise" in note for note in clean.notes)


def test_strays_are_repaired_and_noted():
    clean = clean_curve([-0.05, 1, 2], [1.01, 0.9, -0.002])
    assert clean.time[0] == 0 and clean.survival[0] == 1
    assert clean.survival[-1] == 0
    assert len(clean.notes) == 2


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-0.5, 100, allow_nan=False), st.floats(-0.05, 1.05, allow_nan=False)),
        min_size=1,
        max_size=60,
    )
)
def test_cleaned_curve_is_a_survival_curve(points):
    t, s = map(np.array, zip(*points))
    clean = clean_curve(t, s)
    assert clean.time[0] == 0 and clean.survival[0] == 1
    assert np.all(np.diff(clean.time) >= 0)
    assert np.all(np.diff(clean.survival) <= 0)
    assert np.all((clean.survival >= 0) & (clean.survival <= 1))


def test_unknown_monotone_method_is_rejected_by_name():
    with pytest.raises(ValueError, match=r"^monotone must be one of \('isotonic', 'running-min'\), not 'linear'$"):
        clean_curve([0, 1], [1, 0.5], monotone="linear")


def test_clean_clicks_are_kept_as_they_are_without_a_note():
    # a click at exactly (0, 1), survival exactly 1 and 0, plateaus and a vertical drop: nothing to repair
    clean = clean_curve([0, 1, 1, 2, 2], [1, 1, 0.5, 0.5, 0])
    assert clean.notes == ()
    np.testing.assert_array_equal(clean.time, [0, 1, 1, 2, 2])
    np.testing.assert_array_equal(clean.survival, [1, 1, 0.5, 0.5, 0])


def test_strays_are_repaired_exactly_and_noted_word_for_word():
    clean = clean_curve([-0.05, 1, 2], [1.01, 0.9, -0.002])
    np.testing.assert_array_equal(clean.time, [0, 1, 2])
    np.testing.assert_array_equal(clean.survival, [1, 0.9, 0])
    assert clean.notes == (
        "1 point(s) slightly before time 0 moved to 0 (clicks left of the axis)",
        "2 survival value(s) outside [0, 1] clipped (clicks past the axis)",
    )


def test_a_click_at_time_zero_is_noted_only_beyond_the_start_tolerance():
    # START_TOLERANCE is 0.02: a first click at 0.98 is the axis corner, at 0.97 it is worth a note
    assert clean_curve([0, 1, 2], [0.98, 0.9, 0.8]).notes == ()
    low = clean_curve([0, 1, 2], [0.97, 0.9, 0.8])
    assert low.notes == ("point(s) at time 0 below survival 1 ignored: the curve is forced to start at (0, 1)",)
    np.testing.assert_array_equal(low.survival, [1, 0.9, 0.8])


def test_a_rise_is_counted_and_measured_in_its_note():
    clean = clean_curve([0, 1, 2, 3, 4], [1, 0.8, 0.8, 0.82, 0.7])  # a plateau is not a rise
    assert clean.notes == ("1 rise(s) in survival (largest 0.0200) removed by isotonic fit",)
    ratchet = clean_curve([0, 1, 2, 3, 4], [1, 0.8, 0.8, 0.82, 0.7], monotone="running-min")
    assert ratchet.notes == ("1 rise(s) in survival (largest 0.0200) removed by running-min fit",)


def test_clicks_at_one_time_are_ordered_top_first_whatever_their_click_order():
    # three clicks at t=5 (top corner, a stray between, bottom corner): one vertical drop, no rise to fit
    clean = clean_curve([0, 5, 5, 5, 10], [1, 0.7, 0.9, 0.8, 0.7])
    assert clean.notes == ()
    np.testing.assert_array_equal(clean.time, [0, 5, 5, 10])
    np.testing.assert_array_equal(clean.survival, [1, 0.9, 0.7, 0.7])


def test_corners_are_swapped_up_to_exactly_the_same_time_tolerance():
    # the clicks span 200, so clicks up to SAME_TIME_FRACTION x 200 = 1.0 apart are one drop's corners
    at_tolerance = order_corners(np.array([1.0, 2.0, 201.0]), np.array([0.5, 0.6, 0.4]))
    np.testing.assert_array_equal(at_tolerance, [0.6, 0.5, 0.4])
    beyond = order_corners(np.array([1.0, 2.0078125, 201.0]), np.array([0.5, 0.6, 0.4]))
    np.testing.assert_array_equal(beyond, [0.5, 0.6, 0.4])


def test_interior_plateau_points_and_repeated_clicks_are_dropped():
    # kept: the ends of each plateau and the top and bottom click at t=3 (a vertical drop)
    clean = clean_curve([0, 1, 2, 3, 3, 3, 4, 5], [1, 0.9, 0.9, 0.9, 0.9, 0.7, 0.7, 0.7])
    np.testing.assert_array_equal(clean.time, [0, 1, 3, 3, 5])
    np.testing.assert_array_equal(clean.survival, [1, 0.9, 0.9, 0.7, 0.7])
