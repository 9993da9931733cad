"""The report's first screen and grouped scorecard, from a trial and its claims (statuses as data)."""

from __future__ import annotations

import pandas as pd

from conftest import REPO
from kmrepro.audit.trial import load_trial
from kmrepro.publish.overview import grouped_scorecard, headline_cards

TRIAL = load_trial(REPO / "trials" / "kc-wise" / "trial.yaml", REPO / "workflow" / "schemas" / "trial.schema.yaml")


def _claims(status_of=lambda claim: "input-only" if claim.regenerate is None else "reproduced") -> pd.DataFrame:
    return pd.DataFrame([{"id": c.id, "description": c.description, "published": c.value, "regenerated": None,
                          "difference": None, "tolerance": None, "status": status_of(c), "note": ""} for c in TRIAL.claims])


def _stats() -> dict:
    estimate = {"estimate": 1.0, "lower": 0.5, "upper": 2.0}
    arms = {a.id: {"median": estimate} for a in TRIAL.arms}
    return {e.id: {"time_unit": "months", "arms": arms, "comparison": {"hazard_ratio": estimate}} for e in TRIAL.endpoints}


def test_one_card_per_stated_hr_and_median_preferring_the_one_with_a_ci():
    cards = headline_cards(TRIAL, _claims(), _stats())
    ids = [c["id"] for c in cards]
    assert "irc_pfs_hr" in ids and "os_hr" in ids and "os_hr_intro" not in ids  # the intro repeats the result
    assert "irc_pfs_median_anbenitamab_ci" in ids and "irc_pfs_median_anbenitamab" not in ids
    assert "irc_pfs_risk_reduction" not in ids  # a transform of the HR, not the HR
    assert ids.index("irc_pfs_hr") < ids.index("os_hr")  # endpoints in trial order, HR first
    os_hr = next(c for c in cards if c["id"] == "os_hr")
    assert os_hr["published"] == "0.29 (0.17\u20130.50)" and os_hr["regenerated"] == "1.00 (0.50\u20132.00)"


def test_groups_put_problems_first_and_fold_input_only_claims():
    groups = grouped_scorecard(TRIAL, _claims(lambda c: "differs" if c.id == "trial_phase" else
                                              ("input-only" if c.regenerate is None else "exact")))
    assert groups[0]["kind"] == "design" and groups[0]["problems"] == 1
    assert groups[0]["shown"][0]["id"] == "trial_phase"
    assert all(row["status"] == "input-only" for g in groups for row in g["folded"])
    assert all(row["status"] != "input-only" for g in groups for row in g["shown"])
    efficacy = next(g for g in groups if g["kind"] == "efficacy")
    assert {row["status"] for row in efficacy["shown"]} == {"exact"}  # an unknown status is kept, unfolded
    row = next(r for g in groups for r in g["shown"] + g["folded"] if r["id"] == "os_hr")
    assert row["source"] and row["source"] != row["description"]  # the sentence as published, beside the English
