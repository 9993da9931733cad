"""How numbers and tables look in the report, and the executed report notebook turned into one HTML file.

The HTML is self-contained (figures are base64 PNGs inside it, the style sheet is inline, no scripts or
web fonts), so it can be mailed or archived and still shows everything. Usage as a program:
``python -m kmrepro.publish.render REPORT.ipynb REPORT.html``.
"""

from __future__ import annotations

import html
import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kmrepro.io import write_text_atomic

#: Claim status -> background colour of its row and badge (contract statuses of claims.csv).
STATUS_COLOURS = {
    "reproduced": "#d8f0d8",
    "differs": "#f8d0cc",
    "inconsistent": "#fbe3b8",
    "input-only": "#e8e8e8",
}
MISSING = "NR"  # not reached / not estimable, as trial reports print it

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 14px; line-height: 1.45;
       max-width: 1100px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 12.5px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
img { max-width: 100%; }
.banner { border: 2px solid #888; border-radius: 4px; padding: 0.7em 1em; margin: 1em 0; }
.banner.synthetic { border-color: #c0392b; background: #fdecea; }
.banner.digitized { border-color: #2c7fb8; background: #eaf3fb; }
.banner.derived-from-real-ipd { border-color: #2ca25f; background: #e9f7ef; }
.badge { display: inline-block; padding: 2px 9px; margin-right: 6px; border-radius: 10px; border: 1px solid #bbb; }
.note { color: #555; font-size: 12.5px; }
pre { white-space: pre-wrap; }
.anchor-link { display: none; }
footer.build { margin-top: 2.5em; padding-top: 0.6em; border-top: 2px solid #ccc; color: #444; font-size: 12.5px; }
footer.build h2 { font-size: 1.1em; border: none; margin-top: 0; }
footer.build code { font-size: 12px; }
footer.build details { margin: 0.4em 0; }
footer.build summary { cursor: pointer; }
"""


def format_number(x: float | None, decimals: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    return f"{x:.{decimals}f}"


def format_ci(value: Mapping | None, decimals: int = 1) -> str:
    """``{estimate, lower, upper}`` as ``7.1 (5.5-10.3)``; an end that was not reached prints as NR."""
    if value is None:
        return MISSING
    estimate = format_number(value.get("estimate"), decimals)
    if "lower" not in value and "upper" not in value:
        return estimate
    return f"{estimate} ({format_number(value.get('lower'), decimals)}\u2013{format_number(value.get('upper'), decimals)})"


def format_p(p: float | None) -> str:
    """P values with their relation sign as journals print them: ``< 0.0001``, ``= 0.0004``, ``= 0.003``, ``= 0.21``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return MISSING
    if p < 1e-4:
        return "< 0.0001"
    if p >= 0.001:
        return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"
    return f"= {p:.4f}"


def table_html(frame: pd.DataFrame) -> str:
    """A plain escaped HTML table (no index): the report's style sheet does the rest."""
    return frame.to_html(index=False, escape=True, border=0, na_rep="\u2014")


def provenance_html(trial: Mapping) -> str:
    """The banner at the top of the report saying what the inputs are; for synthetic inputs it says so first."""
    provenance = trial["provenance"]
    kind = provenance["kind"]
    lead = {
        "synthetic": "These inputs are simulated stand-ins, not curves read off the published figures. "
        "Regenerating the published numbers from them only shows that the pipeline works; it says nothing "
        "about whether the publication is right.",
        "digitized": "These inputs were digitized from the published Kaplan-Meier figures.",
        "derived-from-real-ipd": "These curves were computed from real individual patient data.",
        "simulated-from-reconstructed-ipd": "These inputs are a simulated digitization of individual patient "
        "data that were themselves reconstructed from the published figure (kmdata): agreement with the "
        "publication measures two reconstructions in a row, not one.",
    }[kind]
    cite = html.escape(trial["citation"])
    if trial.get("doi"):
        doi = html.escape(trial["doi"])
        cite += f' <a href="https://doi.org/{doi}">doi:{doi}</a>'
    if trial.get("registration"):
        cite += f" ({html.escape(trial['registration'])})"
    return (
        f'<div class="banner {kind}"><p><strong>{html.escape(lead)}</strong></p>'
        f"<p>{html.escape(provenance['description'])}</p>"
        f"<p><strong>How to replace them:</strong> {html.escape(provenance['how_to_replace'])}</p>"
        f'<p class="note">Audited publication: {cite}</p></div>'
    )


def _cell(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "\u2014"
    if isinstance(x, float):
        return f"{x:.4g}"
    return html.escape(str(x))


#: Scorecard order: what needs a reader's attention first, input-only facts last.
STATUS_ORDER = ("differs", "inconsistent", "reproduced", "input-only")


def scorecard_order(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims by status (``STATUS_ORDER``), in the publication's order within each status."""
    rank = claims["status"].map({s: i for i, s in enumerate(STATUS_ORDER)}).fillna(len(STATUS_ORDER))
    return claims.iloc[rank.argsort(kind="stable")]


def scorecard_html(claims: pd.DataFrame) -> str:
    """Counts per status, then every claim as a row coloured by its status, problems first."""
    claims = scorecard_order(claims)
    counts = claims["status"].value_counts()
    badges = "".join(
        f'<span class="badge" style="background:{colour}">{html.escape(status)}: {int(counts.get(status, 0))}</span>'
        for status, colour in STATUS_COLOURS.items()
    )
    unknown = sorted(set(counts.index) - set(STATUS_COLOURS))
    badges += "".join(f'<span class="badge">{html.escape(s)}: {int(counts[s])}</span>' for s in unknown)
    header = "".join(f"<th>{html.escape(c)}</th>" for c in claims.columns)
    body = "".join(
        f'<tr style="background:{STATUS_COLOURS.get(row["status"], "#ffffff")}">'
        + "".join(f"<td>{_cell(row[c])}</td>" for c in claims.columns)
        + "</tr>"
        for _, row in claims.iterrows()
    )
    total = f"<p>{len(claims)} claims.</p>"
    return f'<p>{badges}</p>{total}<table class="scorecard"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def _percent_ci(value: Mapping | None) -> str:
    if value is None:
        return MISSING
    return format_ci({k: None if v is None else 100 * v for k, v in value.items()}, 1)


def estimates_table(stats: Mapping[str, dict], endpoint_labels: Mapping[str, str], arm_labels: Mapping[str, str]) -> pd.DataFrame:
    """Per endpoint and arm: what a trial report tabulates, regenerated from the stats JSON files."""
    rows = []
    for endpoint, result in stats.items():
        unit = result["time_unit"]
        for arm, label in arm_labels.items():
            if arm not in result["arms"]:  # a figure that shows some of the trial's arms
                continue
            a = result["arms"][arm]
            row = {
                "Endpoint": endpoint_labels[endpoint],
                "Arm": label,
                "N": a["n"],
                "Events": a["events"],
                f"Median, {unit} (95% CI)": format_ci(a["median"]),
            }
            row.update({f"S({t}), % (95% CI)": _percent_ci(s) for t, s in a["survival"].items()})
            row[f"RMST to {a['rmst']['tau']:g}, {unit} (95% CI)"] = format_ci(a["rmst"], 2)
            row[f"Median follow-up, {unit} (95% CI)"] = format_ci(a["median_follow_up"])
            rows.append(row)
    return pd.DataFrame(rows)


HR_PATH = "stats/{endpoint}.json#comparison.hazard_ratio"
#: The hazard ratio of one arm of an endpoint of three or more arms against the endpoint's reference.
ARM_HR_PATH = "stats/{endpoint}.json#comparisons.{arm}.hazard_ratio"


def comparisons(result: Mapping) -> dict[str | None, dict]:
    """A stats file's between-arm effects by compared arm; None keys the one comparison of a two-arm endpoint."""
    return {None: result["comparison"]} if "comparison" in result else dict(result["comparisons"])


def published_hazard_ratio(claims: list[dict], endpoint: str, arm: str | None = None) -> dict | None:
    """The endpoint's hazard ratio as the publication states it (of ``arm`` against the reference, in an
    endpoint of three or more arms): the first claim regenerated from that Cox model, preferring one with a CI."""
    path = HR_PATH.format(endpoint=endpoint) if arm is None else ARM_HR_PATH.format(endpoint=endpoint, arm=arm)
    found = [c for c in claims if c.get("regenerate", {}).get("path") == path and "value" in c]
    if not found:
        return None
    claim = next((c for c in found if c.get("ci")), found[0])
    ci = claim.get("ci") or {}
    return {"estimate": claim["value"], "lower": ci.get("lower"), "upper": ci.get("upper"), "claim": claim["id"]}


def hazard_ratio_rows(
    claims: list[dict],
    stats: Mapping[str, dict],
    endpoint_labels: Mapping[str, str],
    arm_labels: Mapping[str, str] | None = None,
) -> list[dict]:
    """Forest plot rows: label, published (from the claims) and regenerated (from the stats) hazard ratio;
    one row per endpoint, or per compared arm in endpoints of three or more arms."""
    arm_labels = arm_labels or {}
    return [
        {
            "label": endpoint_labels[endpoint]
            if arm is None
            else f"{endpoint_labels[endpoint]}: {arm_labels.get(arm, arm)} vs "
            f"{arm_labels.get(effect['reference'], effect['reference'])}",
            "published": published_hazard_ratio(claims, endpoint, arm),
            "regenerated": effect["hazard_ratio"],
            "logrank_p": effect["logrank"]["p"],
        }
        for endpoint, result in stats.items()
        for arm, effect in comparisons(result).items()
    ]


def hazard_ratio_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Endpoint": r["label"],
            "Published HR (95% CI)": format_ci(r["published"], 2),
            "Claim": r["published"]["claim"] if r["published"] else "\u2014",
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
                    "Rate, % (95% CI, Clopper-Pearson)": _percent_ci({"estimate": a["rate"], "lower": a["lower"], "upper": a["upper"]}),
                    "Difference vs reference, % (95% CI)": _percent_ci(entry["difference"]) if arm == next(iter(arm_labels)) else "",
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


def _tree_state(git: Mapping) -> str:
    if git.get("commit") is None:
        return "not built from a git work tree"
    state = "with uncommitted changes (dirty work tree)" if git.get("dirty") else "clean work tree"
    return f"commit <code>{html.escape(git['commit'])}</code>, {state}"


def footer_html(provenance: Mapping) -> str:
    """The report's footer: build time, commit and dirty flag, Snakemake and Python versions, then collapsible
    tables of the input files' SHA-256 and of every installed package (results/<trial>/provenance.json)."""
    built = provenance["built_at"].replace("T", " ").replace("Z", " UTC")
    if provenance.get("built_at_source") == "SOURCE_DATE_EPOCH":
        built += " (from SOURCE_DATE_EPOCH)"
    inputs = pd.DataFrame(
        [{"File": i["path"], "Bytes": i["bytes"], "SHA-256": i["sha256"]} for i in provenance["inputs"]],
        columns=["File", "Bytes", "SHA-256"],
    )
    packages = pd.DataFrame(
        [{"Package": name, "Version": version} for name, version in provenance["packages"].items()],
        columns=["Package", "Version"],
    )
    facts = [
        f"Built {html.escape(built)}",
        _tree_state(provenance["git"]),
        f"Snakemake {html.escape(str(provenance.get('snakemake') or 'unknown'))}",
        f"Python {html.escape(provenance['python']['version'])}",
        html.escape(provenance.get("platform", "")),
    ]
    return (
        '<footer class="build" id="provenance"><h2>Provenance of this build</h2>'
        f'<p>{"; ".join(f for f in facts if f)}.</p>'
        f"<details><summary>Input files ({len(inputs)}, SHA-256)</summary>{table_html(inputs)}</details>"
        f"<details><summary>Installed packages ({len(packages)})</summary>{table_html(packages)}</details>"
        "</footer>"
    )


def page(body: str, title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def notebook_to_html(notebook: str | Path, target: str | Path) -> None:
    """Render an executed notebook without its code into one self-contained HTML file, written atomically."""
    import nbformat  # imported here: plots import this module's formatters and need none of nbconvert
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    book = nbformat.read(notebook, as_version=4)
    for cell in book.cells:  # papermill gives its injected cell a random id, which would end up in the HTML
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    body, _ = exporter.from_notebook_node(book)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", re.sub(r'<a class="anchor-link".*?</a>', "", body), re.S)
    title = re.sub(r"<[^>]+>", "", heading.group(1)).strip() if heading else Path(target).stem
    write_text_atomic(target, page(body, html.unescape(title)))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m kmrepro.publish.render REPORT.ipynb REPORT.html", file=sys.stderr)
        return 2
    notebook_to_html(*args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
