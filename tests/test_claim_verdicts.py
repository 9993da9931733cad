"""The verdict on a regenerated number, on both sides of every bound: above and below the published value,
each comparator at and around its bound, exactly at the tolerance, and percentages regenerated from
proportions. Each case is worked by hand; benchmarks/issue12_mutants.py plants the mutants that once
passed every test and checks these catch them. Then the consistency checks at their edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmrepro.audit.claims import agrees, check_claim, evaluate_claim
from kmrepro.audit.trial import Claim, Regeneration
from kmrepro.errors import InputError
from kmrepro.results import ResultFiles
from test_claims import claim as spec
from test_claims import make_trial


def published(value: float, comparator: str = "=", unit: str = "months", decimals: int = 1, tolerance=None,
              path: str = "stats/os.json#x") -> Claim:
    return Claim(id="c", kind="efficacy", description="c", source="s", value=value, unit=unit,
                 comparator=comparator, decimals=decimals, regenerate=Regeneration((path,), tolerance=tolerance))


@pytest.mark.parametrize(("regenerated", "verdict"), [
    (7.1, True), (7.5, True), (6.7, True),  # on the value, and 0.4 either side
    (7.7, False), (6.5, False),  # 0.6 above, 0.6 below: a regenerated value too low differs too
    (3.0, False),
])
def test_within_tolerance_on_either_side_of_the_published_value(regenerated, verdict):
    assert agrees(published(7.1), regenerated, 0.5) is verdict


def test_exactly_at_the_tolerance_reproduces_on_both_sides():
    # 7.6 - 7.1 and 7.1 - 6.6 are 0.5 up to binary rounding: inclusive, whichever way the float falls
    assert agrees(published(7.1), 7.6, 0.5) and agrees(published(7.1), 6.6, 0.5)
    # 1.0 - 0.7 is 0.30000000000000004 in binary: still "exactly" the tolerance of 0.3
    assert agrees(published(0.7, unit="hazard_ratio", decimals=2), 1.0, 0.3)
    assert agrees(published(0.7, unit="hazard_ratio", decimals=2), 0.4, 0.3)


def test_just_beyond_the_tolerance_differs():
    # 0.0001 beyond the tolerance is a real difference, far above floating-point noise (~1e-15)
    assert not agrees(published(7.1), 7.6001, 0.5)
    assert not agrees(published(7.1), 6.5999, 0.5)
    assert not agrees(published(0.7, unit="hazard_ratio", decimals=2), 1.00001, 0.3)


# (comparator, published bound, regenerated below / at / above the bound)
BOUNDS = [
    ("<", [True, False, False]),
    ("<=", [True, True, False]),
    (">", [False, False, True]),
    (">=", [False, True, True]),
]


@pytest.mark.parametrize(("comparator", "verdicts"), BOUNDS, ids=[c for c, _ in BOUNDS])
def test_bound_claims_on_both_sides_and_at_the_bound(comparator, verdicts):
    claim = published(0.05, comparator, unit="p_value", decimals=2)
    for regenerated, verdict in zip((0.04, 0.05, 0.06), verdicts):
        assert agrees(claim, regenerated, None) is verdict, (comparator, regenerated)


@pytest.mark.parametrize("comparator", ["<", "<=", ">", ">="])
def test_bound_far_on_the_wrong_side_differs(comparator):
    wrong = 1e-9 if comparator.startswith(">") else 0.9
    right = 0.9 if comparator.startswith(">") else 1e-9
    claim = published(0.05, comparator, unit="p_value", decimals=2)
    assert not agrees(claim, wrong, None) and agrees(claim, right, None)


def evaluate(tmp_path: Path, claim: Claim, node) -> dict:
    (tmp_path / "stats").mkdir(exist_ok=True)
    (tmp_path / "stats/os.json").write_text(json.dumps({"x": node}), encoding="utf-8")
    return evaluate_claim(claim, trial=None, results=ResultFiles.under(tmp_path, ["stats/os.json"]))


@pytest.mark.parametrize(("proportion", "status"), [
    (0.62, "reproduced"), (0.58, "reproduced"),  # 62 and 58 %: exactly 2 points off (100 x 0.62 is 62.00000000000001)
    (0.6201, "differs"), (0.5799, "differs"),  # 2.01 points off, above and below
])
def test_percent_claims_scale_proportions_and_keep_the_tolerance_in_points(tmp_path, proportion, status):
    row = evaluate(tmp_path, published(60, unit="percent", decimals=0, tolerance=2), {"estimate": proportion})
    assert row["status"] == status
    assert row["regenerated"] == pytest.approx(100 * proportion) and row["difference"] == pytest.approx(100 * proportion - 60)


@pytest.mark.parametrize(("proportion", "status"), [(0.51, "reproduced"), (0.50, "differs"), (0.49, "differs")])
def test_percent_bound_compares_in_percent(tmp_path, proportion, status):
    row = evaluate(tmp_path, published(50, ">", unit="percent", decimals=0), proportion)
    assert row["status"] == status
    assert row["difference"] is None  # a bound has no distance to report


def test_exactly_at_the_tolerance_for_a_large_value():
    # 1000.1 - 1000 is 0.10000000000002274 in binary: the slack grows with the value (1e-9 x 1000)
    assert agrees(published(1000, unit="count", decimals=0), 1000.1, 0.1)
    assert not agrees(published(1000, unit="count", decimals=0), 1000.1001, 0.1)


def test_regenerated_interval_is_reported(tmp_path):
    row = evaluate(tmp_path, published(7.1, tolerance=0.5), {"estimate": 7.3, "lower": 6.1, "upper": 8.25})
    assert row["status"] == "reproduced" and "regenerated 95% CI 6.1 to 8.25" in row["note"]


@pytest.mark.parametrize("node", ["7.3", True, [7.3], {"lower": 1}])
def test_a_result_that_is_not_a_number_is_named(tmp_path, node):
    with pytest.raises(InputError, match=r"stats/os\.json: 'x' is not a number or an estimate"):
        evaluate(tmp_path, published(7.1, tolerance=0.5), node)


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
