"""Small hand-worked arms (10-30 patients), each exposing one refinement of the reconstruction.

Large arms wash the refinements out (every round-trip metric moves by less than 0.001 without them), so
each test here is built so that the refinement decides the answer; each fails with the refinement
removed (benchmarks/issue12_mutants.py plants those removals one at a time). Tests go through the
public entry point reconstruct_arm, so they hold whatever the engine's internals look like.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmrepro.api import reconstruct_arm
from kmrepro.ingest.readers import DigitizedCurve, RiskTable


def curve(t, s) -> DigitizedCurve:
    return DigitizedCurve(np.asarray(t, float), np.asarray(s, float), "curve.csv", "proportion")


def table(t, n) -> RiskTable:
    return RiskTable(np.asarray(t, float), np.asarray(n), "at_risk.csv")


def events(ipd) -> list[float]:
    return ipd.time[ipd.event == 1].tolist()


def censorings(ipd) -> list[float]:
    return ipd.time[ipd.event == 0].tolist()


def test_drop_of_exactly_half_an_event_rounds_half_up():
    # 20 at risk, a drop from 1 to 0.875 is 20 x 0.125 = 2.5 events (exact in binary): half up gives 3,
    # which the table (17 at risk at t=2) confirms. Half to even, or a 0.4 threshold, gives 2 and
    # invents a censoring instead.
    rec = reconstruct_arm(curve([0, 1, 1, 5], [1, 1, 0.875, 0.875]), 20, table([0, 2, 5], [20, 17, 17]))
    assert events(rec.ipd) == [1.0, 1.0, 1.0]
    assert censorings(rec.ipd) == [5.0] * 17


def test_drop_of_a_bit_less_than_half_an_event_rounds_down():
    # 20 x (1 - 0.9775) = 0.45 of an event beyond 2: two events and a censoring (the table says 17 at
    # t=2), not three events; a threshold of 0.6 or more would round 2.45 up.
    rec = reconstruct_arm(curve([0, 1, 1, 5], [1, 1, 0.8775, 0.8775]), 20, table([0, 2, 5], [20, 17, 17]))
    assert events(rec.ipd) == [1.0, 1.0]
    assert len(censorings(rec.ipd)) == 18


def test_censoring_count_starts_from_an_exact_half_rounded_up():
    # The curve says 20 x 0.875 = 17.5 should be left at t=2, the table says 17: the search for the
    # interval's censoring count starts at 17.5 - 17 = 0.5, rounded half up to one censoring. That one
    # censoring, before the drop at 1.5, leaves 19 at risk and 19 x 0.125 = 2.375, two events: the table is
    # met at once. Starting from zero (half to even) meets it too, with three events and no censoring.
    rec = reconstruct_arm(curve([0, 1.5, 1.5, 5], [1, 1, 0.875, 0.875]), 20, table([0, 2, 5], [20, 17, 17]))
    assert events(rec.ipd) == [1.5, 1.5]
    early = [t for t in censorings(rec.ipd) if t < 2]
    assert len(early) == 1 and early[0] < 1.5


def test_censorings_are_placed_where_the_step_heights_say():
    # 20 patients: 2 events at t=2 (drop 0.1: 20 at risk), 4 censored between, 1 event at t=8 whose drop,
    # 0.9/14, says 14 were at risk: all 4 censorings fell between t=2 and t=8. Spread evenly over [0, 10)
    # they would land at 1.25, 3.75, 6.25 and 8.75.
    s1, s2 = 0.9, 0.9 * 13 / 14
    rec = reconstruct_arm(curve([0, 2, 2, 8, 8, 10], [1, 1, s1, s1, s2, s2]), 20, table([0, 10], [20, 13]))
    assert events(rec.ipd) == [2.0, 2.0, 8.0]
    inside = [t for t in censorings(rec.ipd) if t < 10]
    assert len(inside) == 4 and all(2 < t < 8 for t in inside), inside


def sloped_arm():
    """20 patients: 1 event at t=1 (clicked as a vertical drop, so drops are read as corner pairs), then a
    run of 4 events clicked only as a slope from (4, 0.95) to (8, 0.75), which the table time 6 cuts in
    half: 17 at risk at t=6, 15 at t=10."""
    clicks = curve([0, 1, 1, 4, 8, 10], [1, 1, 0.95, 0.95, 0.75, 0.75])
    return reconstruct_arm(clicks, 20, table([0, 6, 10], [20, 17, 15]))


def test_table_time_through_a_slope_splits_its_events():
    rec = sloped_arm()
    assert rec.diagnostics["drops_read_as"] == "corner pairs and slopes"
    # half the slope's events before t=6, half after, and no censoring invented to meet the table
    assert sum(4 < t < 6 for t in events(rec.ipd)) == 2
    assert sum(6 <= t <= 8 for t in events(rec.ipd)) == 2
    assert censorings(rec.ipd) == [10.0] * 15
    assert rec.diagnostics["max_at_risk_difference"] == 0


def test_events_of_a_slope_are_spread_along_it():
    # each half of the slope spreads its 2 events evenly, the last at its end: 5, 6 (just before the
    # table time) and 7, 8; the vertical drop's single event stays at its click
    assert events(sloped_arm().ipd) == pytest.approx([1, 5, 6, 7, 8], abs=1e-9)


def test_one_click_per_drop_keeps_events_at_the_clicks():
    # no top corner clicked: each drop happened at its click (as in Guyot's paper), nothing is spread
    clicks = curve([0, 1, 4, 8, 10], [1, 0.95, 0.9, 0.75, 0.75])
    rec = reconstruct_arm(clicks, 20, table([0, 10], [20, 15]))
    assert rec.diagnostics["drops_read_as"] == "one click per drop"
    assert events(rec.ipd) == [1.0, 4.0, 8.0, 8.0, 8.0]
