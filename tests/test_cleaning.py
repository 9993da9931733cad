import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrepro.reconstruct.cleaning import clean_curve
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
