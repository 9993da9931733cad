"""kmrepro.analysis.response: count recovery, exact CIs (R binom.test) and Newcombe's difference CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmrepro.analysis.response import clopper_pearson, counts_from_percent, rate_difference, summarise_response

REFERENCE = json.loads((Path(__file__).parent / "reference" / "r_survival.json").read_text())


@pytest.mark.parametrize(
    "percent, n, decimals, expected",
    [
        (56, 95, 0, [53]),
        (11, 93, 0, [10]),
        (80, 95, 0, [76]),
        (42, 93, 0, [39]),
        (13, 8, 0, [1]),  # 12.5% rounds half up to 13
        (12, 8, 0, []),
        (12.5, 8, 1, [1]),
        (55.8, 95, 1, [53]),
        (1, 250, 0, [2, 3]),  # 0.8% and 1.2% both print as 1%
        (0, 10, 0, [0]),
        (100, 10, 0, [10]),
    ],
)
def test_counts_from_percent(percent, n, decimals, expected):
    assert counts_from_percent(percent, n, decimals) == expected


@pytest.mark.parametrize("percent, n, decimals", [(50, 0, 0), (120, 10, 0), (-1, 10, 0), (50, 10, -1)])
def test_counts_from_percent_rejects_impossible_input(percent, n, decimals):
    with pytest.raises(ValueError):
        counts_from_percent(percent, n, decimals)


@pytest.mark.parametrize("ref", REFERENCE["binom"], ids=lambda r: f"{r['k']}/{r['n']}")
def test_clopper_pearson_matches_r_binom_test(ref):
    lower, upper = clopper_pearson(ref["k"], ref["n"])
    assert lower == pytest.approx(ref["lower"], rel=1e-6, abs=1e-12)
    assert upper == pytest.approx(ref["upper"], rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("ref", REFERENCE["newcombe"], ids=lambda r: f"{r['k1']}/{r['n1']}-{r['k2']}/{r['n2']}")
def test_rate_difference_matches_r_wilson_construction(ref):
    estimate, lower, upper = rate_difference(ref["k1"], ref["n1"], ref["k2"], ref["n2"])
    assert (estimate, lower, upper) == pytest.approx((ref["estimate"], ref["lower"], ref["upper"]), rel=1e-6)


@pytest.mark.parametrize(
    "k1, n1, k2, n2, lower, upper",
    [  # Newcombe (1998) Stat Med 17:873, Table II, method 10, printed to 4 decimals
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_rate_difference_reproduces_newcombe_1998(k1, n1, k2, n2, lower, upper):
    _, lo, up = rate_difference(k1, n1, k2, n2)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert up == pytest.approx(upper, abs=5e-5)


def test_summarise_response_builds_contract_entry():
    spec = {"id": "orr_irc", "label": "ORR (IRC)", "percent": {"anbenitamab": 56, "placebo": 11}}
    entry = summarise_response(spec, {"anbenitamab": 95, "placebo": 93}, "placebo")
    arm = entry["arms"]["anbenitamab"]
    assert (arm["count"], arm["count_candidates"], arm["percent_published"]) == (53, [53], 56)
    assert arm["rate"] == pytest.approx(53 / 95)
    assert (arm["lower"], arm["upper"]) == pytest.approx(clopper_pearson(53, 95))
    assert entry["arms"]["placebo"]["count"] == 10
    diff = entry["difference"]
    assert (diff["estimate"], diff["lower"], diff["upper"]) == pytest.approx(rate_difference(53, 95, 10, 93))
    assert "Newcombe" in diff["method"]
    assert json.loads(json.dumps(entry, allow_nan=False)) == entry


def test_summarise_response_keeps_all_candidates_and_uses_the_middle():
    spec = {"id": "dcr", "percent": {"a": 1, "ref": 40}}
    entry = summarise_response(spec, {"a": 300, "ref": 10}, "ref")
    assert entry["arms"]["a"]["count_candidates"] == [2, 3, 4]
    assert entry["arms"]["a"]["count"] == 3


def test_summarise_response_reads_decimals_from_published_value():
    entry = summarise_response({"id": "orr", "percent": {"a": 55.8, "ref": 10.8}}, {"a": 95, "ref": 93}, "ref")
    assert (entry["arms"]["a"]["count"], entry["arms"]["ref"]["count"]) == (53, 10)


@pytest.mark.parametrize(
    "percent, ns, problem",
    [
        ({"a": 12, "ref": 40}, {"a": 8, "ref": 10}, "no count out of 8 rounds to 12%"),
        ({"a": 50, "zzz": 40}, {"a": 8, "ref": 10}, "two arms including 'ref'"),
        ({"a": 50, "ref": 40}, {"b": 8, "ref": 10}, "unknown arm"),
    ],
)
def test_summarise_response_rejects_inconsistent_input(percent, ns, problem):
    with pytest.raises(ValueError, match=problem):
        summarise_response({"id": "orr", "percent": percent}, ns, "ref")
