"""The verdict on a regenerated number on both sides of every bound, worked by hand (issue 12).

tests/test_verdicts.py has the rules (printed precision, the statuses, overrides need a reason); this file
has their edges: above and below the published value, each comparator below / at / above its bound, exactly
at half a printed unit and at the edge of the widened interval, the floating-point slack, percentages and
percentage bounds through evaluate_claim, the tolerance override at its edge, and the notes word for word.
Half-integers are exact in binary, so most edges use whole-number claims (half a unit = 0.5) and are edges
exactly; the decimal ones check that float noise does not move an edge. benchmarks/issue12_mutants.py plants
the mutants that once passed every test and checks these catch them. Then the consistency checks at their edges.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from kmrepro.audit.claims import check_claim, evaluate_claim
from kmrepro.audit.trial import Claim, Regeneration
from kmrepro.audit.verdicts import Override, Verdict, is_exact, judge
from kmrepro.errors import InputError
from kmrepro.results import ResultFiles
from test_claims import claim as spec
from test_claims import make_trial


def span(lower, upper, **more) -> dict:
    return {"lower": lower, "upper": upper, "draws": 50, "failed": 0, "reliable": True, **more}


# --- values: above and below, at half a printed unit, at the edge of the widened interval ---------------

@pytest.mark.parametrize(("regenerated", "exact"), [
    (12.5, True), (11.5, True),  # half a unit above and below: could print as 12 either way
    (12.5000001, False), (11.4999999, False),  # just beyond on either side
    (13, False), (11, False), (2, False), (40, False),  # a value far below is as wrong as one far above
])
def test_exact_at_half_a_printed_unit_on_both_sides(regenerated, exact):
    assert is_exact(12, regenerated, 0) is exact
    # without an interval a value that does not print as the published one differs
    assert judge(12, regenerated, 0).status == ("exact" if exact else "differs")


@pytest.mark.parametrize(("published", "status"), [
    (10, "reproduced"), (13, "reproduced"),  # on the ends of the widened interval 10 to 13
    (9.9999999, "differs"), (13.0000001, "differs"),  # just outside it, below and above
    (8, "differs"), (15, "differs"),
])
def test_published_value_at_the_edges_of_the_widened_interval(published, status):
    # interval 10.5 to 12.5 widened by half a unit: 10 to 13; regenerated 11.6 prints as 12, not as published
    assert judge(published, 11.6, 0, span(10.5, 12.5)).status == status


def test_widened_edge_in_decimals_is_inclusive_despite_float_noise():
    # 0.295 - 0.005 is 0.29 in binary only up to noise; 0.31 + 0.005 likewise
    assert judge(0.29, 0.3235, 2, span(0.295, 0.31)).status == "reproduced"
    assert judge(0.315, 0.3, 3, span(0.295, 0.3145)).status == "reproduced"
    assert judge(0.29, 0.3235, 2, span(0.2951, 0.31)).status == "differs"
    assert judge(0.316, 0.3, 3, span(0.295, 0.3145)).status == "differs"


@pytest.mark.parametrize(("regenerated", "exact"), [
    (12.5 + 0.9e-9, True), (11.5 - 0.9e-9, True),  # within the 1e-9 slack of half a unit
    (12.5 + 1.1e-9, False), (11.5 - 1.1e-9, False),  # beyond it: a real difference, however small
])
def test_float_slack_is_one_billionth(regenerated, exact):
    assert is_exact(12, regenerated, 0) is exact


def test_float_slack_edge_is_inclusive():
    # 0.5 + 1e-9 away is exactly half a unit plus the slack (the same float on both sides of the comparison)
    assert is_exact(0, 0.5 + 1e-9, 0) and is_exact(0, -(0.5 + 1e-9), 0)


def test_float_slack_on_interval_ends_grows_with_the_value():
    # the slack is relative to the values compared: 1e-9 x 1e6 is 0.001
    assert judge(1e6, 2e6, 0, span(1e6 + 0.5 + 0.9e-3, 2e6)).status == "reproduced"
    assert judge(1e6, 2e6, 0, span(1e6 + 0.5 + 1.1e-3, 2e6)).status == "differs"
    assert judge(1e6, 5e5, 0, span(5e5, 1e6 - 0.5 - 0.9e-3)).status == "reproduced"
    assert judge(1e6, 5e5, 0, span(5e5, 1e6 - 0.5 - 1.1e-3)).status == "differs"


# --- bounds: each comparator below, at and above its bound ------------------------------------------------

# (comparator, status of a regenerated 2, 3, 4 against the published bound 3, no interval)
BOUNDS = [
    ("<", ["exact", "differs", "differs"]),
    ("<=", ["exact", "exact", "differs"]),
    (">", ["differs", "differs", "exact"]),
    (">=", ["differs", "exact", "exact"]),
]


@pytest.mark.parametrize(("comparator", "statuses"), BOUNDS, ids=[c for c, _ in BOUNDS])
def test_bound_below_at_and_above(comparator, statuses):
    found = [judge(3, regenerated, 0, None, comparator).status for regenerated in (2, 3, 4)]
    assert found == statuses


@pytest.mark.parametrize(("comparator", "exact"), [("<=", True), (">=", True), ("<", False), (">", False)])
def test_bound_met_up_to_float_noise_only_when_inclusive(comparator, exact):
    # 0.1 + 0.2 is 0.30000000000000004: on the bound 0.3, not beyond it
    regenerated = 0.1 + 0.2 if comparator.startswith("<") else 0.3
    published = 0.3 if comparator.startswith("<") else 0.1 + 0.2
    assert is_exact(published, regenerated, 1, comparator) is exact


# (comparator, statuses as the interval's near end, widened by 0.5, lies wholly on the claim's side of the
# bound 3 / across it / at it / just short of it)
INTERVAL_BOUNDS = [
    ("<", ["reproduced", "reproduced", "differs", "differs"]),
    ("<=", ["reproduced", "reproduced", "reproduced", "differs"]),
    (">", ["reproduced", "reproduced", "differs", "differs"]),
    (">=", ["reproduced", "reproduced", "reproduced", "differs"]),
]


@pytest.mark.parametrize(("comparator", "statuses"), INTERVAL_BOUNDS, ids=[c for c, _ in INTERVAL_BOUNDS])
def test_bound_reached_by_the_widened_interval(comparator, statuses):
    # the regenerated value is on the wrong side; the interval's near end widened by half a unit decides
    if comparator.startswith("<"):
        intervals = [span(0, 2.4), span(3.4, 6), span(3.5, 6), span(3.6, 6)]
        found = [judge(3, 5, 0, interval, comparator).status for interval in intervals]
    else:
        intervals = [span(3.6, 6), span(0, 2.6), span(0, 2.5), span(0, 2.4)]
        found = [judge(3, 1, 0, interval, comparator).status for interval in intervals]
    assert found == statuses


def test_bound_notes_name_the_side():
    assert judge(3, 5, 0, span(3.6, 6), "<").note == "published bound < 3 lies below the interval 3.6 to 6"
    assert judge(3, 1, 0, span(0, 2.4), ">=").note == "published bound >= 3 lies above the interval 0 to 2.4"
    unreliable = span(3.6, 6, failed=9, reliable=False)
    assert judge(3, 5, 0, unreliable, "<=").note == (
        "published bound <= 3 lies below the interval 3.6 to 6; interval unreliable (9 of 50 draws failed)")
    assert judge(7, 5, 0, unreliable, ">").note == (
        "published bound > 7 lies above the interval 3.6 to 6; interval unreliable (9 of 50 draws failed)")


def test_bound_with_an_end_not_reached():
    # median not reached in every draw: both ends unbounded above; "> 30" is reached, "= 30" and "< 30" are not
    assert judge(30, None, 0, span(None, None), ">").status == "differs"  # not estimable at all
    assert judge(30, 24, 0, span(None, None), ">").status == "reproduced"
    assert judge(30, 40, 0, span(None, None), "<").status == "differs"
    verdict = judge(30, 24, 0, span(None, None))
    assert verdict.note == "published value lies below the reconstruction interval not reached to not reached"
    # only the lower end missing: unbounded below
    assert judge(30, 40, 0, span(None, 35), "<").status == "reproduced"
    assert judge(30, 40, 0, span(None, 35)).status == "reproduced"


# --- notes ------------------------------------------------------------------------------------------------

def test_distance_notes_word_for_word():
    assert judge(0.20, 0.3235, 2, span(0.30, 0.34)).note == (
        "published value lies 2.4 interval widths below the reconstruction interval 0.3 to 0.34")
    assert judge(16, 11, 0, span(10, 12)).note == (
        "published value lies 1.8 interval widths above the reconstruction interval 10 to 12")
    assert judge(140, 132, 0, span(132, 132)).note == (
        "published value lies 7.5 above the reconstruction interval 132 to 132 (zero width)")
    assert judge(100, 132, 0, span(132, 132)).note == (
        "published value lies 31.5 below the reconstruction interval 132 to 132 (zero width)")
    assert judge(10, 24, 0, span(20, None)).note == (
        "published value lies 9.5 below the reconstruction interval 20 to not reached (zero width)")


def test_unreliable_interval_note_word_for_word():
    unreliable = span(10, 12, failed=9, reliable=False)
    assert judge(11, 11, 0, unreliable) == judge(11, 11.2, 0, unreliable)
    assert judge(11, 11, 0, unreliable).note == "interval unreliable (9 of 50 draws failed)"
    assert judge(11, 13, 0, span(10, 12, failed=0, reliable=True)).note == ""
    assert judge(11, 13, 0, unreliable).note == "interval unreliable (9 of 50 draws failed)"
    assert judge(18.5, 13, 0, unreliable).note == (
        "published value lies 3 interval widths above the reconstruction interval 10 to 12; "
        "interval unreliable (9 of 50 draws failed)")


# --- the tolerance override, exactly at its edge ----------------------------------------------------------

@pytest.mark.parametrize(("regenerated", "status"), [
    (14, "reproduced"), (10, "reproduced"),  # exactly 2 either side
    (14.0001, "differs"), (9.9999, "differs"),  # just beyond, above and below
    (12.4, "exact"),  # prints as published: the override is not needed
])
def test_override_exactly_at_its_edge(regenerated, status):
    # the interval would say otherwise; the override decides
    verdict = judge(12, regenerated, 0, span(30, 40), override=Override(2, "read off the text"))
    assert verdict.status == status
    assert verdict.note == ("" if status == "exact" else "tolerance override ±2 (read off the text)")


def test_override_edge_in_decimals_and_never_for_a_bound():
    # 1.0 - 0.7 is 0.30000000000000004: still exactly the tolerance 0.3
    assert judge(0.7, 1.0, 2, None, override=Override(0.3, "r")).status == "reproduced"
    assert judge(0.7, 0.4, 2, None, override=Override(0.3, "r")).status == "reproduced"
    assert judge(0.7, 1.0001, 2, None, override=Override(0.3, "r")).status == "differs"
    # a bound is met or not: an override cannot stretch "< 3" to a regenerated 3.1, nor can the interval then
    assert judge(3, 3.1, 0, span(0, 4), "<", Override(1, "r")).status == "differs"
    assert judge(3, 3.1, 0, span(0, 4), "~", Override(1, "r")).status == "exact"
    assert judge(3, 3.9, 0, span(0, 4), "~", Override(1, "r")).status == "reproduced"


def test_override_accepts_zero_and_rejects_blank_reasons():
    assert Override(0, "exact count").tolerance == 0
    assert judge(3, 3.6, 0, None, override=Override(0, "exact count")).status == "differs"


def test_override_note_comes_before_the_unreliable_interval_note():
    verdict = judge(12, 13, 0, span(10, 12, failed=9, reliable=False), override=Override(2, "r"))
    assert verdict == Verdict("reproduced", "tolerance override ±2 (r); interval unreliable (9 of 50 draws failed)")


def test_not_estimable_and_no_interval_notes():
    assert judge(7.1, None, 1, span(6, 8)) == Verdict("differs", "not estimable from the reconstruction")
    assert judge(7.1, 7.4, 1, None) == Verdict("differs", "no reconstruction interval")
    for reason in (None, "   ", "\t"):
        with pytest.raises(ValueError, match="^a tolerance override needs a stated reason$"):
            Override(1, reason)
    with pytest.raises(ValueError, match="^tolerance must be >= 0, got nan$"):
        Override(math.nan, "r")


# --- percentages through evaluate_claim: proportions and their intervals scaled to percent ----------------

def published(value: float, comparator: str = "=", unit: str = "months", decimals: int = 1, tolerance=None,
              reason=None, transform=None) -> Claim:
    regeneration = Regeneration(("stats/os.json#x",), transform, tolerance, reason)
    return Claim(id="c", kind="efficacy", description="c", source="s", value=value, unit=unit,
                 comparator=comparator, decimals=decimals, regenerate=regeneration)


def evaluate(tmp_path: Path, claim: Claim, node, interval: dict | None = None) -> dict:
    (tmp_path / "stats").mkdir(exist_ok=True)
    stats = {"x": node, **({"reconstruction_intervals": {"x": interval}} if interval else {})}
    (tmp_path / "stats/os.json").write_text(json.dumps(stats), encoding="utf-8")
    return evaluate_claim(claim, trial=None, results=ResultFiles.under(tmp_path, ["stats/os.json"]))


@pytest.mark.parametrize(("proportion", "interval", "status"), [
    (0.605, (0.40, 0.45), "exact"), (0.595, (0.40, 0.45), "exact"),  # half a point either side of 60 %
    (0.6051, (0.57, 0.63), "reproduced"), (0.5949, (0.57, 0.63), "reproduced"),
    (0.65, (0.605, 0.70), "reproduced"),  # 60.5 % widened by half a point reaches 60: the edge, in percent
    (0.65, (0.606, 0.70), "differs"),  # had it stayed in proportions (0.005 wide) 60.1 % would pass too
    (0.55, (0.50, 0.595), "reproduced"), (0.55, (0.50, 0.594), "differs"),
])
def test_percent_claims_scale_proportions_and_their_intervals(tmp_path, proportion, interval, status):
    row = evaluate(tmp_path, published(60, unit="percent", decimals=0), {"estimate": proportion}, span(*interval))
    assert row["status"] == status, row["note"]
    assert row["regenerated"] == pytest.approx(100 * proportion)
    assert row["difference"] == pytest.approx(100 * proportion - 60)
    assert f"reconstruction interval {100 * interval[0]:.4g} to {100 * interval[1]:.4g} (50 draws)" in row["note"]


@pytest.mark.parametrize(("comparator", "proportion", "upper", "status"), [
    (">", 0.51, 0.55, "exact"), (">", 0.50, 0.55, "reproduced"), (">", 0.50, 0.4951, "reproduced"),
    (">", 0.49, 0.495, "differs"),  # 49.5 % widened by half a point is 50: not above 50
    (">=", 0.49, 0.495, "reproduced"), (">=", 0.50, 0.50, "exact"), (">=", 0.48, 0.494, "differs"),
])
def test_percent_bound_compares_in_percent(tmp_path, comparator, proportion, upper, status):
    row = evaluate(tmp_path, published(50, comparator, unit="percent", decimals=0), proportion, span(0.40, upper))
    assert row["status"] == status, row["note"]
    assert row["difference"] is None  # a bound has no distance to report
    assert f"published as {comparator} 50" in row["note"]


def test_percent_one_minus_reverses_the_interval(tmp_path):
    # risk reduction 75 % from an HR 0.26 (74 %), interval 0.20 to 0.24 -> 76 to 80 %, widened 75.5 to 80.5
    claim = published(75, unit="percent", decimals=0, transform="one_minus")
    assert evaluate(tmp_path, claim, {"estimate": 0.26}, span(0.20, 0.24))["status"] == "differs"
    assert evaluate(tmp_path, claim, {"estimate": 0.26}, span(0.20, 0.255))["status"] == "reproduced"
    row = evaluate(tmp_path, claim, {"estimate": 0.26}, span(0.20, 0.24))
    assert "reconstruction interval 76 to 80 (50 draws)" in row["note"]


def test_tolerance_override_through_evaluate_claim(tmp_path):
    claim = published(7.1, tolerance=0.5, reason="stated approximately")
    at_edge = evaluate(tmp_path, claim, {"estimate": 7.6, "lower": 6.1, "upper": 8.25})
    assert at_edge["status"] == "reproduced" and at_edge["tolerance"] == 0.5
    assert at_edge["note"].startswith("tolerance override ±0.5 (stated approximately)")
    assert "regenerated 95% CI 6.1 to 8.25" in at_edge["note"]
    assert evaluate(tmp_path, claim, {"estimate": 6.5999})["status"] == "differs"


def test_not_estimable_is_noted_once(tmp_path):
    row = evaluate(tmp_path, published(7.1), {"estimate": None}, span(6, None))
    assert row["status"] == "differs" and row["regenerated"] is None and row["difference"] is None
    assert row["note"] == "not estimable from the reconstruction; reconstruction interval 6 to NE (50 draws)"


@pytest.mark.parametrize("node", ["7.3", True, [7.3], {"lower": 1}])
def test_a_result_that_is_not_a_number_is_named(tmp_path, node):
    with pytest.raises(InputError, match=r"stats/os\.json: 'x' is not a number or an estimate"):
        evaluate(tmp_path, published(7.1), node)


# The consistency checks at their edges (the checks themselves: tests/test_claims.py).

def check(tmp_path: Path, others: list[dict], claim: dict) -> tuple[bool, str]:
    trial = make_trial(tmp_path, [*others, claim])
    [(_, ok, detail)] = check_claim(trial.claim(claim["id"]), trial)
    return ok, detail


@pytest.mark.parametrize("value", [6.5, 14.4])
def test_estimate_on_its_ci_bound_is_inside(tmp_path, value):
    ok, detail = check(tmp_path, [], spec("x", value, "months", ci={"lower": 6.5, "upper": 14.4},
                                          checks={"ci_contains_estimate": True}))
    assert ok and detail == "CI 6.5 to 14.4"


def test_fraction_reports_the_percentage_it_computed(tmp_path):
    others = [spec("stopped", 49, "count"), spec("pd", 35, "count")]
    ok, detail = check(tmp_path, others, spec("x", 71.4, "percent", checks={
        "fraction": {"numerator": {"claim": "pd"}, "denominator": {"claim": "stopped"}}}))
    assert ok and detail == "35/49 = 71.429%"


def test_share_of_unknown_total_lists_every_total_that_fits(tmp_path):
    ok, detail = check(tmp_path, [spec("part", 3, "count")],
                       spec("x", 1.6, "percent", checks={"share_of_unknown_total": {"claim": "part"}}))
    assert ok and detail == f"3 of total(s) {list(range(182, 194))}"


def test_share_of_one_hundred_percent_allows_a_total_of_one(tmp_path):
    ok, detail = check(tmp_path, [spec("part", 1, "count")],
                       spec("x", 100, "percent", checks={"share_of_unknown_total": {"claim": "part"}}))
    assert ok and detail == "1 of total(s) [1]"


@pytest.mark.parametrize(("part", "value", "detail"), [
    (5, 0, "a zero share fits no finite total"),
    (1, 60, "no integer total gives 1 = 60%"),  # 1 of n is 100, 50, 33, 25, 20 ... %: never 60
])
def test_share_of_unknown_total_fails_with_its_reason(tmp_path, part, value, detail):
    ok, found = check(tmp_path, [spec("part", part, "count")],
                      spec("x", value, "percent", checks={"share_of_unknown_total": {"claim": "part"}}))
    assert (ok, found) == (False, detail)


def test_small_share_of_an_unknown_total_fits(tmp_path):
    # 1 of 150 is 0.67 %, printed 0.7: a share below one percent is not "zero"
    ok, _ = check(tmp_path, [spec("part", 1, "count")],
                  spec("x", 0.7, "percent", checks={"share_of_unknown_total": {"claim": "part"}}))
    assert ok
