"""Claim evaluation: statuses against a hand-made results directory, and each consistency check on wrong numbers."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from kmrepro.audit.claims import COLUMNS, check_claim, evaluate_claims, write_claims_csv, write_claims_json
from kmrepro.errors import InputError
from kmrepro.audit.trial import load_trial
from kmrepro.results import ResultFiles, analysis_files
from test_trial import KC_WISE, TRIAL_SCHEMA, touch_curve_files


def given(trial, folder: Path) -> ResultFiles:
    """The analysis results a claims job of ``trial`` is given, under ``folder``."""
    return ResultFiles.under(folder, analysis_files([e.id for e in trial.endpoints], bool(trial.response)))


def make_trial(folder: Path, claims: list[dict]):
    """A two-arm trial (a: n 95, reference b: n 93) with one endpoint ``os`` and one response ``orr``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("a.csv", "b.csv"):
        (folder / name).touch()
    doc = {
        "id": "t",
        "title": "T",
        "citation": "C",
        "time_unit": "months",
        "provenance": {"kind": "synthetic", "description": "d", "how_to_replace": "h"},
        "arms": [{"id": "a", "label": "A", "n": 95}, {"id": "b", "label": "B", "n": 93, "reference": True}],
        "endpoints": [{"id": "os", "label": "OS", "curves": {"a": {"curve": "a.csv"}, "b": {"curve": "b.csv"}}}],
        "analysis": {"landmarks": [6, 12], "rmst_tau": 12},
        "response": [{"id": "orr", "label": "ORR", "percent": {"a": 56, "b": 11}}],
        "claims": claims,
    }
    path = folder / "trial.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_trial(path, TRIAL_SCHEMA)


def claim(cid: str, value, unit: str, **more) -> dict:
    return {"id": cid, "kind": "efficacy", "description": cid, "source": "s", "value": value, "unit": unit, **more}


def arm_stats(n: int, events: int, median: float | None, surv6: float, follow_up: float) -> dict:
    return {
        "n": n,
        "events": events,
        "median": {"estimate": median, "lower": None if median is None else median - 1, "upper": None},
        "survival": {"6": {"estimate": surv6, "lower": surv6 - 0.1, "upper": surv6 + 0.1}, "12": None},
        "rmst": {"tau": 12, "estimate": 8.0, "se": 0.4, "lower": 7.2, "upper": 8.8},
        "median_follow_up": {"estimate": follow_up, "lower": follow_up - 1, "upper": follow_up + 1},
    }


def write_results(folder: Path, a_median: float | None = 7.3, hr: float = 0.26, logrank_p: float = 1e-8) -> Path:
    stats = {
        "trial": "t",
        "endpoint": "os",
        "time_unit": "months",
        "arms": {"a": arm_stats(95, 40, a_median, 0.61, 9.9), "b": arm_stats(93, 70, 3.5, 0.30, 9.8)},
        "comparison": {
            "arm": "a",
            "reference": "b",
            "hazard_ratio": {"estimate": hr, "lower": 0.18, "upper": 0.38, "p": 1e-9},
            "logrank": {"chisq": 40.0, "p": logrank_p},
            "rmst_difference": {"estimate": 3.0, "lower": 2.0, "upper": 4.0},
        },
    }
    response = {
        "orr": {
            "label": "ORR",
            "arms": {"a": {"n": 95, "count": 53, "rate": 53 / 95}, "b": {"n": 93, "count": 10, "rate": 10 / 93}},
            "difference": {"estimate": 0.45, "lower": 0.33, "upper": 0.57},
        }
    }
    (folder / "stats").mkdir(parents=True, exist_ok=True)
    (folder / "stats/os.json").write_text(json.dumps(stats), encoding="utf-8")
    (folder / "response.json").write_text(json.dumps(response), encoding="utf-8")
    return folder


HR = claim("hr", 0.25, "hazard_ratio", ci={"lower": 0.17, "upper": 0.39},
           regenerate={"path": "stats/os.json#comparison.hazard_ratio", "tolerance": 0.05},
           checks={"ci_contains_estimate": True, "wald_symmetric": True})

STATUS_CLAIMS = [
    (claim("median_a", 7.1, "months", regenerate={"path": "stats/os.json#arms.a.median", "tolerance": 0.5}),
     "reproduced", 7.3),
    (claim("median_b", 2.7, "months", regenerate={"path": "stats/os.json#arms.b.median", "tolerance": 0.5}),
     "differs", 3.5),
    (HR, "reproduced", 0.26),
    (claim("p", 0.0001, "p_value", comparator="<", regenerate={"path": "stats/os.json#comparison.logrank.p"},
           checks={"p_from_ci": "hr"}), "reproduced", 1e-8),
    (claim("p_tiny", 1e-10, "p_value", comparator="<", regenerate={"path": "stats/os.json#comparison.logrank.p"}),
     "differs", 1e-8),
    (claim("risk_reduction", 75, "percent", checks={"one_minus": "hr"},
           regenerate={"path": "stats/os.json#comparison.hazard_ratio", "transform": "one_minus", "tolerance": 5}),
     "reproduced", 74.0),
    (claim("surv6_a", 60, "percent", regenerate={"path": "stats/os.json#arms.a.survival.6", "tolerance": 5}),
     "reproduced", 61.0),
    (claim("orr_a", 56, "percent", regenerate={"path": "response.json#orr.arms.a.rate", "tolerance": 0.5}),
     "reproduced", 100 * 53 / 95),
    (claim("events", 120, "count", comparator="~", regenerate={
        "path": ["stats/os.json#arms.a.events", "stats/os.json#arms.b.events"], "tolerance": 12}),
     "reproduced", 110),
    (claim("follow_up_a", 9.7, "months",
           regenerate={"path": "stats/os.json#arms.a.median_follow_up", "tolerance": 1.0}), "reproduced", 9.9),
    (claim("n_a", 95, "count", regenerate={"path": "stats/os.json#arms.a.n", "tolerance": 0}), "reproduced", 95),
    (claim("percent_ok", 56, "percent", checks={"percent_of": {"arm": "a"}}), "input-only", None),
    (claim("centres", 51, "count"), "input-only", None),
    ({"id": "strata", "kind": "design", "description": "stratified by x", "source": "s", "source_ref": "abstract"},
     "input-only", None),
    (claim("percent_bad", 30, "percent", checks={"percent_of": {"arm": "a"}}), "inconsistent", None),
    (claim("reproduced_but_inconsistent", 0.25, "hazard_ratio", checks={"equals": "hr_other"},
           regenerate={"path": "stats/os.json#comparison.hazard_ratio", "tolerance": 0.05}), "inconsistent", 0.26),
    (claim("hr_other", 0.35, "hazard_ratio"), "input-only", None),
]


@pytest.fixture
def evaluated(tmp_path: Path) -> pd.DataFrame:
    trial = make_trial(tmp_path / "trial", [c for c, _, _ in STATUS_CLAIMS])
    return evaluate_claims(trial, given(trial, write_results(tmp_path / "results"))).set_index("id")


@pytest.mark.parametrize(("spec", "status", "regenerated"), STATUS_CLAIMS, ids=[c["id"] for c, _, _ in STATUS_CLAIMS])
def test_claim_status(evaluated: pd.DataFrame, spec: dict, status: str, regenerated: float | None):
    row = evaluated.loc[spec["id"]]
    assert row["status"] == status, row["note"]
    if regenerated is None:
        assert pd.isna(row["regenerated"])
    else:
        assert row["regenerated"] == pytest.approx(regenerated)
    if regenerated is None or spec.get("comparator", "=") not in ("=", "~"):
        assert pd.isna(row["difference"])  # a bound such as P<0.0001 has no distance to report
    else:
        assert row["difference"] == pytest.approx(regenerated - spec["value"])


def test_table_has_the_contract_columns_in_trial_order(evaluated: pd.DataFrame):
    assert list(evaluated.reset_index().columns) == COLUMNS
    assert list(evaluated.index) == [c["id"] for c, _, _ in STATUS_CLAIMS]


def test_notes_report_intervals_bounds_and_checks(evaluated: pd.DataFrame):
    hr_note = evaluated.loc["hr", "note"]
    assert "published 95% CI 0.17 to 0.39" in hr_note and "regenerated 95% CI 0.18 to 0.38" in hr_note
    assert "wald_symmetric ok" in hr_note
    assert "published as < 0.0001" in evaluated.loc["p", "note"]
    assert "percent_of FAILED (no integer count of 95 gives 30%)" in evaluated.loc["percent_bad", "note"]
    assert "count(s) [53] of 95" in evaluated.loc["percent_ok", "note"]
    assert "source: published abstract" in evaluated.loc["strata", "note"]
    assert evaluated.loc["median_a", "tolerance"] == 0.5 and pd.isna(evaluated.loc["centres", "tolerance"])


def test_not_estimable_regenerated_value_differs(tmp_path: Path):
    trial = make_trial(tmp_path / "trial", [STATUS_CLAIMS[0][0]])
    row = evaluate_claims(trial, given(trial, write_results(tmp_path / "results", a_median=None))).iloc[0]
    assert row["status"] == "differs" and pd.isna(row["regenerated"])
    assert "not estimable from the reconstruction" in row["note"]


def test_tolerance_edge_is_inclusive(tmp_path: Path):
    trial = make_trial(tmp_path / "trial", [STATUS_CLAIMS[0][0]])
    assert evaluate_claims(trial, given(trial, write_results(tmp_path / "ok", a_median=7.6))).iloc[0]["status"] == "reproduced"
    assert evaluate_claims(trial, given(trial, write_results(tmp_path / "off", a_median=7.61))).iloc[0]["status"] == "differs"


def test_missing_results_file_is_named(tmp_path: Path):
    trial = make_trial(tmp_path / "trial", [STATUS_CLAIMS[0][0]])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty/stats/os\.json: results file not found"):
        evaluate_claims(trial, given(trial, tmp_path / "empty"))


def test_missing_results_key_is_named(tmp_path: Path):
    trial = make_trial(tmp_path / "trial", [STATUS_CLAIMS[0][0]])
    results = write_results(tmp_path / "results")
    stats = json.loads((results / "stats/os.json").read_text())
    del stats["arms"]["a"]["median"]
    (results / "stats/os.json").write_text(json.dumps(stats))
    with pytest.raises(InputError, match=r"stats/os\.json: no key 'arms\.a\.median'"):
        evaluate_claims(trial, given(trial, results))


# (check, claims before the one under test, good claim, same claim with a wrong number)
CHECK_CASES = [
    ("percent_of", [], claim("x", 56, "percent", checks={"percent_of": {"arm": "a"}}), 30),
    ("percent_of_claim", [claim("total", 188, "count")],
     claim("x", 82, "percent", checks={"percent_of": {"claim": "total"}}), 82.2),
    ("fraction", [claim("stopped", 49, "count"), claim("pd", 35, "count")],
     claim("x", 71.4, "percent", checks={"fraction": {"numerator": {"claim": "pd"}, "denominator": {"claim": "stopped"}}}),
     71.0),
    ("one_minus", [claim("hr", 0.25, "hazard_ratio")], claim("x", 75, "percent", checks={"one_minus": "hr"}), 70),
    ("sum_of", [claim("n1", 95, "count"), claim("n2", 93, "count")],
     claim("x", 188, "count", checks={"sum_of": [{"claim": "n1"}, {"claim": "n2"}]}), 189),
    ("sum_of_arms", [], claim("x", 188, "count", checks={"sum_of": [{"arm": "a"}, {"arm": "b"}]}), 187),
    ("share_of_unknown_total", [claim("total", 188, "count")],
     claim("x", 76.4, "percent", checks={"share_of_unknown_total": {"claim": "total"}}), 76.6),
    ("ratio", [claim("d1", 80, "percent"), claim("d2", 42, "percent")],
     claim("x", 2, "ratio", comparator="~", checks={"ratio": {"numerator": {"claim": "d1"}, "denominator": {"claim": "d2"}}}),
     3),
    ("equals", [claim("hr", 0.29, "hazard_ratio")], claim("x", 0.29, "hazard_ratio", checks={"equals": "hr"}), 0.31),
    ("equals_rounded", [claim("m", 19.6, "months")],
     claim("x", 20, "months", comparator="~", checks={"equals": "m"}), 19),
    ("ci_contains_estimate", [],
     claim("x", 11.5, "months", ci={"lower": 6.5, "upper": 14.4}, checks={"ci_contains_estimate": True}), 15.5),
    ("ci_contains_estimate_ne", [],
     claim("x", 19.6, "months", ci={"lower": 15.0, "upper": None}, checks={"ci_contains_estimate": True}), 14.9),
    ("wald_symmetric", [], claim("x", 0.25, "hazard_ratio", ci={"lower": 0.17, "upper": 0.39},
                                 checks={"wald_symmetric": True}), 0.30),
    ("p_from_ci_bound", [claim("hr", 0.25, "hazard_ratio", ci={"lower": 0.17, "upper": 0.39})],
     claim("x", 0.0001, "p_value", comparator="<", checks={"p_from_ci": "hr"}), 1e-12),
    ("p_from_ci_exact", [claim("hr", 0.80, "hazard_ratio", decimals=2, ci={"lower": 0.60, "upper": 1.07})],
     claim("x", 0.13, "p_value", checks={"p_from_ci": "hr"}), 0.03),
]


@pytest.mark.parametrize(("name", "others", "good", "wrong"), CHECK_CASES, ids=[c[0] for c in CHECK_CASES])
def test_check_passes_published_numbers_and_catches_a_wrong_one(tmp_path, name, others, good, wrong):
    trial = make_trial(tmp_path / "good", [*others, good])
    assert all(ok for _, ok, _ in check_claim(trial.claim("x"), trial)), check_claim(trial.claim("x"), trial)
    trial = make_trial(tmp_path / "wrong", [*others, {**good, "value": wrong}])
    assert not any(ok for _, ok, _ in check_claim(trial.claim("x"), trial))


def test_p_bound_is_caught_when_the_ci_crosses_one(tmp_path: Path):
    hr = claim("hr", 0.80, "hazard_ratio", decimals=2, ci={"lower": 0.60, "upper": 1.07})
    trial = make_trial(tmp_path, [hr, claim("x", 0.0001, "p_value", comparator="<", checks={"p_from_ci": "hr"})])
    [(_, ok, detail)] = check_claim(trial.claim("x"), trial)
    assert not ok and "Wald p from hr CI" in detail


def test_writers_round_trip_and_leave_no_temporary_files(evaluated: pd.DataFrame, tmp_path: Path):
    table = evaluated.reset_index()
    out = tmp_path / "out"
    write_claims_csv(table, out / "claims.csv")
    write_claims_json(table, out / "claims.json")
    assert sorted(p.name for p in out.iterdir()) == ["claims.csv", "claims.json"]
    csv = pd.read_csv(out / "claims.csv")
    assert list(csv.columns) == COLUMNS and list(csv["status"]) == list(table["status"])
    records = json.loads((out / "claims.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == list(table["id"])
    assert records[0]["regenerated"] == pytest.approx(7.3)
    strata = next(r for r in records if r["id"] == "strata")
    assert strata["published"] is None and strata["regenerated"] is None and strata["tolerance"] is None


def published_results(folder: Path) -> Path:
    """Results that state exactly KC-WISE's published numbers, as a perfect reconstruction would give them."""

    def arm(n, events, median, follow_up):
        return {"n": n, "events": events, "median": {"estimate": median, "lower": None, "upper": None},
                "median_follow_up": {"estimate": follow_up, "lower": None, "upper": None}}

    def endpoint(a_median, p_median, hr, events=(45, 75), follow_up=(9.7, 9.8)):
        return {
            "arms": {"anbenitamab": arm(95, events[0], a_median, follow_up[0]),
                     "placebo": arm(93, events[1], p_median, follow_up[1])},
            "comparison": {"hazard_ratio": {"estimate": hr, "lower": None, "upper": None, "p": 1e-9},
                           "logrank": {"chisq": 40.0, "p": 1e-9}},
        }

    (folder / "stats").mkdir(parents=True)
    for name, doc in {"irc_pfs": endpoint(7.1, 2.7, 0.25), "inv_pfs": endpoint(7.0, 2.8, 0.23),
                      "os": endpoint(19.6, 11.5, 0.29, events=(30, 55))}.items():
        (folder / f"stats/{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def test_kc_wise_claims_against_its_published_numbers(tmp_path: Path):
    folder = tmp_path / "kc-wise"
    shutil.copytree(KC_WISE.parent, folder)
    touch_curve_files(folder / "trial.yaml")
    trial = load_trial(folder / "trial.yaml", TRIAL_SCHEMA)
    table = evaluate_claims(trial, given(trial, published_results(tmp_path / "results")))
    regenerable = [c.id for c in trial.claims if c.regenerate is not None]
    assert set(table.loc[table["status"] == "reproduced", "id"]) == set(regenerable)
    assert set(table["status"]) == {"reproduced", "input-only"}, table.loc[table["status"] == "inconsistent", "note"]
    assert math.isclose(table.set_index("id").loc["irc_pfs_risk_reduction", "regenerated"], 75.0)
