"""The report's first screen and its grouped scorecard: the answer first, the detail after.

Claim statuses are data (claims.json): rows are ordered by tables.scorecard_order, and the only names used
here are ``PROBLEM_STATUSES`` (groups holding one come first) and ``FOLDED_STATUSES`` (claims no curve can
regenerate, folded away); any other status is shown unfolded, as the scorecard orders it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kmrepro.audit.trial import Claim, Trial
from kmrepro.publish.format import format_ci, format_number
from kmrepro.publish.tables import scorecard_order
from kmrepro.results import parse_result_path

#: Statuses of claims that only state a fact (design, doses, context): shown in a closed <details> block.
FOLDED_STATUSES = ("input-only",)
#: Kinds in the order the scorecard groups them (trial.schema.yaml's claim kinds).
KIND_ORDER = ("efficacy", "safety", "baseline", "exposure", "conduct", "design", "context")
#: Statuses that need a reader's attention (a group holding one is shown first).
PROBLEM_STATUSES = ("differs", "inconsistent")


def _headline_key(claim: Claim) -> tuple[str, str] | None:
    """(stats file, 'hazard ratio' or arm id) for claims regenerated as an endpoint's HR or an arm's median."""
    if claim.regenerate is None or len(claim.regenerate.paths) != 1 or claim.regenerate.transform is not None:
        return None
    file, keys = parse_result_path(claim.regenerate.paths[0])
    if keys == ["comparison", "hazard_ratio"]:
        return file, "hazard ratio"
    if len(keys) == 3 and keys[0] == "arms" and keys[2] == "median":
        return file, keys[1]
    return None


def headline_cards(trial: Trial, claims: pd.DataFrame, stats: Mapping[str, dict]) -> list[dict]:
    """One card per published hazard ratio and median: published against regenerated, with the claim's status.

    Where several claims state the same number (an introduction repeating a result), the card shows the one
    stated with a CI, else the first stated exactly.
    """
    by_id = claims.set_index("id").to_dict("index")
    endpoint_labels = {e.id: e.label for e in trial.endpoints}
    arm_labels = {a.id: a.label for a in trial.arms}
    chosen: dict[tuple[str, str], Claim] = {}
    for claim in trial.claims:
        key = _headline_key(claim)
        if key is None or claim.id not in by_id or claim.value is None:
            continue
        best = chosen.get(key)
        rank = (claim.ci is None, claim.comparator != "=")
        if best is None or rank < (best.ci is None, best.comparator != "="):
            chosen[key] = claim
    endpoint_order = [e.id for e in trial.endpoints]
    arm_order = [a.id for a in trial.arms]

    def order(item):
        (file, what), _ = item
        endpoint = file.removeprefix("stats/").removesuffix(".json")
        return endpoint_order.index(endpoint), -1 if what == "hazard ratio" else arm_order.index(what)

    cards = []
    for (file, what), claim in sorted(chosen.items(), key=order):
        endpoint = file.removeprefix("stats/").removesuffix(".json")
        result = stats[endpoint]
        regenerated = result["comparison"]["hazard_ratio"] if what == "hazard ratio" else result["arms"][what]["median"]
        decimals = 2 if what == "hazard ratio" else 1
        published = {"estimate": claim.value}
        if claim.ci is not None:
            published.update(lower=claim.ci.lower, upper=claim.ci.upper)
        unit = "" if what == "hazard ratio" else f" {result['time_unit']}"
        cards.append({
            "id": claim.id,
            "endpoint": endpoint_labels[endpoint],
            "what": "Hazard ratio" if what == "hazard ratio" else f"Median, {arm_labels[what]}",
            "published": (claim.comparator + " " if claim.comparator not in ("=",) else "")
            + (format_ci(published, decimals) if claim.ci else format_number(float(claim.value), decimals)) + unit,
            "regenerated": format_ci(regenerated, decimals) + unit,
            "status": by_id[claim.id]["status"],
        })
    return cards


def grouped_scorecard(trial: Trial, claims: pd.DataFrame) -> list[dict]:
    """Claims grouped by kind, groups with problems first; in each, problems first and folded statuses apart.

    Each row carries the source sentence as published (original language) beside the English description.
    """
    meta = {c.id: c for c in trial.claims}
    claims = scorecard_order(claims).copy()
    claims["kind"] = [meta[i].kind if i in meta else "other" for i in claims["id"]]
    claims["source"] = [meta[i].source if i in meta else "" for i in claims["id"]]
    claims["source_ref"] = [meta[i].source_ref if i in meta else "" for i in claims["id"]]
    kinds = [k for k in KIND_ORDER if k in set(claims["kind"])] + sorted(set(claims["kind"]) - set(KIND_ORDER))
    groups = []
    for kind in kinds:
        rows = claims[claims["kind"] == kind]
        folded = rows["status"].isin(FOLDED_STATUSES)
        groups.append({
            "kind": kind,
            "problems": int(rows["status"].isin(PROBLEM_STATUSES).sum()),
            "shown": rows[~folded].to_dict("records"),
            "folded": rows[folded].to_dict("records"),
        })
    return sorted(groups, key=lambda g: g["problems"] == 0)  # stable: kind order within each half
