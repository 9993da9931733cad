"""Verdicts: printed precision, exact / reproduced / differs, bounds, percentages, overrides."""

import pytest

from kmrepro.audit.verdicts import Override, half_unit, is_exact, judge
from kmrepro.printed import printed_decimals


@pytest.mark.parametrize(
    "numbers, expected",
    [
        ((0.29,), 2), ((7.1,), 1), ((12,), 0), ((7.0,), 1), ((0.0001,), 4), ((1e-05,), 5),
        ((0.3, 0.17, 0.39), 2),  # YAML read 0.30 as 0.3: the CI restores the second place
        ((45.3, None), 1),
    ],
)
def test_printed_decimals(numbers, expected):
    assert printed_decimals(*numbers) == expected


def test_half_unit():
    assert half_unit(2) == pytest.approx(0.005)
    assert half_unit(0) == 0.5


@pytest.mark.parametrize(
    "published, regenerated, decimals, exact",
    [
        (0.29, 0.2924, 2, True),
        (0.29, 0.2951, 2, False),
        (0.29, 0.285, 2, True),  # exactly half a unit: prints as 0.29 by round-half-up
        (0.28, 0.285, 2, True),  # ... and as 0.28 by round-half-even: either is exact
        (0.28, 0.2851, 2, False),
        (7.1, 7.05, 1, True),
        (7.1, 7.149999, 1, True),
        (7.1, 7.16, 1, False),
        (25.5, 100 * 0.255, 1, True),  # 25.500000000000004 in floating point
        (132, 132.0, 0, True),
        (132, 133, 0, False),
    ],
)
def test_exact_rounding_edges(published, regenerated, decimals, exact):
    assert is_exact(published, regenerated, decimals) is exact


def test_percentage_judged_in_the_claim_unit():
    # 45.3 % published; 0.4527 regenerated as a proportion is 45.27 % and prints as 45.3
    assert judge(45.3, 100 * 0.4527, 1, {"lower": 43.0, "upper": 47.0}).status == "exact"
    assert judge(45.3, 100 * 0.4420, 1, {"lower": 43.0, "upper": 47.0}).status == "reproduced"
    assert judge(45.3, 100 * 0.4020, 1, {"lower": 38.0, "upper": 42.0}).status == "differs"


def test_reproduced_inside_interval_widened_by_half_a_unit():
    interval = {"lower": 0.294, "upper": 0.345, "draws": 200, "failed": 0, "reliable": True}
    assert judge(0.31, 0.3235, 2, interval).status == "reproduced"
    # widened by half a unit of 0.29's printing, the interval starts at 0.289
    assert judge(0.29, 0.3235, 2, interval).status == "reproduced"
    assert judge(0.28, 0.3235, 2, interval).status == "differs"
    assert judge(0.29, 0.3235, 2, {**interval, "lower": 0.2951}).status == "differs"


def test_differs_note_counts_interval_widths():
    verdict = judge(0.20, 0.3235, 2, {"lower": 0.30, "upper": 0.34})
    assert verdict.status == "differs"
    # the widened interval starts at 0.295: 0.095 below it is 2.4 widths of 0.04
    assert "2.4 interval widths below" in verdict.note


def test_differs_above_and_zero_width():
    assert "above" in judge(0.9, 0.5, 2, {"lower": 0.45, "upper": 0.55}).note
    assert "zero width" in judge(140, 132, 0, {"lower": 132, "upper": 132}).note


@pytest.mark.parametrize(
    "regenerated, interval, status",
    [
        (0.00002, {"lower": 0.00001, "upper": 0.0003}, "exact"),  # satisfies P < 0.0001
        (0.0003, {"lower": 0.00001, "upper": 0.0009}, "reproduced"),  # interval reaches below the bound
        (0.01, {"lower": 0.002, "upper": 0.03}, "differs"),
    ],
)
def test_bounds(regenerated, interval, status):
    assert judge(0.0001, regenerated, 4, interval, comparator="<").status == status


def test_lower_bound():
    assert judge(0.5, 0.7, 1, {"lower": 0.6, "upper": 0.8}, comparator=">").status == "exact"
    assert judge(0.8, 0.7, 1, {"lower": 0.6, "upper": 0.78}, comparator=">").status == "reproduced"
    assert judge(0.95, 0.7, 2, {"lower": 0.6, "upper": 0.8}, comparator=">").status == "differs"


def test_median_not_reached_in_interval():
    # upper end None: some draws never reach one half, so any larger published median is inside
    assert judge(30.0, 24.0, 1, {"lower": 20.0, "upper": None}).status == "reproduced"
    assert judge(10.0, 24.0, 1, {"lower": 20.0, "upper": None}).status == "differs"


def test_not_estimable_and_no_interval():
    assert judge(7.1, None, 1, {"lower": 6, "upper": 8}).status == "differs"
    verdict = judge(7.1, 7.4, 1, None)
    assert verdict.status == "differs" and "no reconstruction interval" in verdict.note


def test_unreliable_interval_is_noted():
    interval = {"lower": 0.3, "upper": 0.34, "draws": 200, "failed": 5, "reliable": False}
    assert "unreliable (5 of 200" in judge(0.31, 0.3235, 2, interval).note


def test_override_needs_a_reason_and_replaces_the_interval():
    with pytest.raises(ValueError):
        Override(0.05, "")
    with pytest.raises(ValueError):
        Override(-1, "why")
    override = Override(0.05, "curve digitized from a low-resolution scan")
    verdict = judge(0.29, 0.3235, 2, {"lower": 0.30, "upper": 0.34}, override=override)
    # 0.29 would be reproduced by the interval anyway; the override decides here and says so
    assert verdict.status == "reproduced" and "override ±0.05 (curve digitized" in verdict.note
    assert judge(0.29, 0.35, 2, {"lower": 0.2, "upper": 0.4}, override=override).status == "differs"
    assert judge(0.29, 0.2901, 2, None, override=override).status == "exact"


def test_wrong_hr_times_1_3_differs():
    true_hr = 0.7
    assert judge(round(true_hr * 1.3, 2), true_hr, 2, {"lower": 0.64, "upper": 0.77}).status == "differs"
