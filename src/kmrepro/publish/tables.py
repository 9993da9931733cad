"""The report's tables as pandas DataFrames, built from the result files (stats, diagnostics, response,
claims, provenance), and the one way they become HTML (``table_html``). Notebooks show the same tables."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kmrepro.audit.trial import CI, Claim
from kmrepro.publish.format import EMPTY_CELL, format_ci, format_p, format_percent_ci
from kmrepro.results import hazard_ratio_path


def table_html(frame: pd.DataFrame) -> str:
    """A plain escaped HTML table (no index): the report's style sheet does the rest."""
    return frame.to_html(index=False, escape=True, border=0, na_rep=EMPTY_CELL)


#: Scorecard order: what needs a reader's attention first, input-only facts last.
STATUS_ORDER = ("differs", "inconsistent", "reproduced", "input-only")


def scorecard_order(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims by status (``STATUS_ORDER``), in the publication's order within each status."""
    rank = claims["status"].map({s: i for i, s in enumerate(STATUS_ORDER)}).fillna(len(STATUS_ORDER))
    return claims.iloc[rank.argsort(kind="stable")]


def estimates_table(stats: Mapping[str, dict], endpoint_labels: Mapping[str, str], arm_labels: Mapping[str, str]) -> pd.DataFrame:
    """Per endpoint and arm: what a trial report tabulates, regenerated from the stats JSON files."""
    rows = []
    for endpoint, result in stats.items():
        unit = result["time_unit"]
        for arm, label in arm_labels.items():
            a = result["arms"][arm]
            row = {
                "Endpoint": endpoint_labels[endpoint],
                "Arm": label,
                "N": a["n"],
                "Events": a["events"],
                f"Median, {unit} (95% CI)": format_ci(a["median"]),
            }
            row.update({f"S({t}), % (95% CI)": format_percent_ci(s) for t, s in a["survival"].items()})
            row[f"RMST to {a['rmst']['tau']:g}, {unit} (95% CI)"] = format_ci(a["rmst"], 2)
            row[f"Median follow-up, {unit} (95% CI)"] = format_ci(a["median_follow_up"])
            rows.append(row)
    return pd.DataFrame(rows)


def published_hazard_ratio(claims: list[Claim], endpoint: str) -> dict | None:
    """The endpoint's hazard ratio as the publication states it: the first claim regenerated from the
    endpoint's Cox model, preferring one stated with a CI."""
    found = [
        c
        for c in claims
        if c.regenerate is not None
        and c.regenerate.paths == (hazard_ratio_path(endpoint),)
        and c.value is not None
    ]
    if not found:
        return None
    claim = next((c for c in found if c.ci), found[0])
    ci = claim.ci or CI(None, None)
    return {"estimate": claim.value, "lower": ci.lower, "upper": ci.upper, "claim": claim.id}


def hazard_ratio_rows(claims: list[Claim], stats: Mapping[str, dict], endpoint_labels: Mapping[str, str]) -> list[dict]:
    """Forest plot rows: label, published (from the claims) and regenerated (from the stats) hazard ratio."""
    return [
        {
            "label": endpoint_labels[endpoint],
            "published": published_hazard_ratio(claims, endpoint),
            "regenerated": result["comparison"]["hazard_ratio"],
            "logrank_p": result["comparison"]["logrank"]["p"],
        }
        for endpoint, result in stats.items()
    ]


def hazard_ratio_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Endpoint": r["label"],
            "Published HR (95% CI)": format_ci(r["published"], 2),
            "Claim": r["published"]["claim"] if r["published"] else EMPTY_CELL,
            "Regenerated HR (95% CI)": format_ci(r["regenerated"], 2),
            "Regenerated Wald P": format_p(r["regenerated"]["p"]),
            "Regenerated log-rank P": format_p(r["logrank_p"]),
        }
        for r in rows
    )


def response_table(response: Mapping[str, dict], arm_labels: Mapping[str, str]) -> pd.DataFrame:
    """Per response and arm: published percentage, the count it implies, the rate with its exact CI."""
    rows = []
    for entry in response.values():
        for arm, label in arm_labels.items():
            a = entry["arms"][arm]
            others = [k for k in a["count_candidates"] if k != a["count"]]
            rows.append(
                {
                    "Outcome": entry["label"],
                    "Arm": label,
                    "Published %": a["percent_published"],
                    "Count / N": f"{a['count']}/{a['n']}" + (f" (also fits: {', '.join(map(str, others))})" if others else ""),
                    "Rate, % (95% CI, Clopper-Pearson)": format_percent_ci({"estimate": a["rate"], "lower": a["lower"], "upper": a["upper"]}),
                    "Difference vs reference, % (95% CI)": format_percent_ci(entry["difference"]) if arm == next(iter(arm_labels)) else "",
                }
            )
    return pd.DataFrame(rows)


def at_risk_table(diagnostics: Mapping[str, dict], arm_labels: Mapping[str, str]) -> pd.DataFrame:
    """Published vs reconstructed numbers at risk, one row per arm and source, one column per time."""
    rows = []
    for arm, label in arm_labels.items():
        entries = diagnostics[arm]["at_risk"]
        for source in ("published", "reconstructed", "difference"):
            rows.append({"Arm": label, "": source, **{f"{e['time']:g}": e[source] for e in entries}})
    return pd.DataFrame(rows)


def fit_table(diagnostics: Mapping[str, dict], arm_labels: Mapping[str, str]) -> pd.DataFrame:
    """How closely each reconstruction follows its inputs."""
    return pd.DataFrame(
        {
            "Arm": label,
            "N": d["n"],
            "Events (published)": f"{d['events']} ({'not stated' if d['events_published'] is None else d['events_published']})",
            "Digitized points": d["curve_fit"]["points"],
            "KM vs points: RMSE": f"{d['curve_fit']['rmse']:.4f}",
            "KM vs points: max |error|": f"{d['curve_fit']['max_abs_error']:.4f}",
            "Max |at-risk difference|": d["max_at_risk_difference"],
            "Repairs of the input": "; ".join(d["cleaning_notes"]) or "none",
        }
        for arm, label in arm_labels.items()
        for d in [diagnostics[arm]]
    )


def conventions_table(stats: Mapping[str, dict]) -> pd.DataFrame:
    """The statistical conventions of the stats files (they are the same for every endpoint of a trial)."""
    names = {
        "median_ci": "Median CI",
        "survival_ci": "Survival CI",
        "ties": "Cox model ties",
        "hr_ci": "Hazard ratio CI and P",
        "rmst_tau": "RMST truncation time",
        "confidence": "Confidence level",
    }
    conventions = {}
    for result in stats.values():
        for key, value in result["conventions"].items():
            conventions.setdefault(key, set()).add(f"{value:g}" if isinstance(value, float) else str(value))
    return pd.DataFrame({"Convention": names.get(k, k), "Value": ", ".join(sorted(v))} for k, v in conventions.items())


SOFTWARE = ("kmrepro", "numpy", "pandas", "scipy", "lifelines", "matplotlib", "jsonschema", "papermill", "nbconvert", "snakemake")


def versions_table(provenance: Mapping) -> pd.DataFrame:
    """Python and the versions of the packages that made the numbers and the report, from the build's
    provenance record (kmrepro.publish.provenance)."""
    packages = provenance["packages"]
    return pd.DataFrame([{"Software": "Python", "Version": provenance["python"]["version"]}]
                        + [{"Software": name, "Version": packages.get(name, "not installed")} for name in SOFTWARE])
