"""The audit report of one trial as one self-contained HTML page (templates/report.html).

The page embeds its figures as base64 PNGs and its style sheet inline, and has no scripts or web fonts, so it
can be mailed or archived and still shows everything. The report notebook (notebooks/report.ipynb) calls
``render_report``, writes the page and displays it.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd

from kmrepro.audit.trial import Trial
from kmrepro.publish import models_view
from kmrepro.publish.overview import grouped_scorecard, headline_cards
from kmrepro.publish.pages import footer_context, render_template, scorecard_context
from kmrepro.publish.plots import forest_figure, png_bytes
from kmrepro.publish.tables import (
    at_risk_table,
    conventions_table,
    estimates_table,
    fit_table,
    hazard_ratio_rows,
    hazard_ratio_table,
    published_hazard_ratio,
    response_table,
    versions_table,
)
from kmrepro.results import (
    CLAIMS_JSON,
    PROVENANCE,
    RESPONSE,
    ResultFiles,
    comparisons,
    diagnostics_file,
    km_figure_file,
    model_figure_file,
    overlay_figure_file,
    qa_figure_file,
    stats_file,
)


def _png(data: bytes, alt: str) -> dict:
    return {"alt": alt, "src": "data:image/png;base64," + base64.b64encode(data).decode("ascii")}


def _png_file(path: Path, alt: str) -> dict:
    return _png(path.read_bytes(), alt)


def _model_section(trial: Trial, endpoint, stats: dict, results: ResultFiles, published_hr: dict | None) -> dict:
    """One endpoint's extrapolation and proportional-hazards section (empty parts when not analysed)."""
    label, unit = endpoint.label, stats["time_unit"]
    comparison = next(iter(comparisons(stats).values()))  # PH checks are made for two-arm endpoints

    def figure(kind: str, alt: str) -> dict | None:
        name = model_figure_file(kind, endpoint.id)
        return _png_file(results.path(name), alt) if name in results else None

    arms = [{"label": trial.arm(arm).label, "rows": models_view.model_rows(stats["arms"][arm])}
            for arm in endpoint.arms if "models" in stats["arms"][arm]]
    return {
        "id": endpoint.id,
        "label": label,
        "horizon": stats["conventions"].get("extrapolation_horizon"),
        "time_unit": unit,
        "arms": arms,
        "ph": models_view.ph_verdict(comparison, published_hr and published_hr.get("estimate")) if "ph_test" in comparison else None,
        "piecewise": models_view.piecewise_rows(comparison, unit),
        "milestones": models_view.milestone_rows(comparison, unit),
        "rmst_ratio": models_view.format_ci(comparison["rmst_ratio"], 2) if "rmst_ratio" in comparison else None,
        "figures": [f for f in (
            figure("extrapolation", f"Every fitted model of {label} drawn to the horizon over the Kaplan-Meier curve, "
                   "solid over follow-up and dashed where extrapolated"),
            figure("hazard", f"Hazard of each model of {label} against the kernel-smoothed empirical hazard"),
        ) if f],
        "ph_figures": [f for f in (
            figure("logcumhaz", f"log(-log survival) against log time by arm, {label}: parallel under proportional hazards"),
            figure("schoenfeld", f"Scaled Schoenfeld residuals of {label} over time with the cox.zph test"),
        ) if f],
    }


def report_context(trial: Trial, results: ResultFiles) -> dict:
    """Everything the report template shows, read from the result files the report job was given."""
    arm_labels = {arm.id: arm.label for arm in trial.arms}
    endpoint_labels = {e.id: e.label for e in trial.endpoints}
    stats = {e.id: results.json(stats_file(e.id)) for e in trial.endpoints}
    diagnostics = {e.id: results.json(diagnostics_file(e.id)) for e in trial.endpoints}
    provenance = results.json(PROVENANCE)
    hr_rows = hazard_ratio_rows(list(trial.claims), stats, endpoint_labels, arm_labels)
    response = None
    if trial.response:
        entries = results.json(RESPONSE)
        response = {
            "table": response_table(entries, arm_labels),
            "methods": sorted({entry["difference"]["method"] for entry in entries.values()}),
        }
    claims = pd.DataFrame(results.json(CLAIMS_JSON))
    return {
        "title": trial.data["title"],
        "cards": headline_cards(trial, claims, stats),
        "groups": grouped_scorecard(trial, claims),
        "models": [_model_section(trial, e, stats[e.id], results, published_hazard_ratio(list(trial.claims), e.id))
                   for e in trial.endpoints],
        "trial": trial.data,
        "scorecard": scorecard_context(claims),
        "overrides": [
            {"claim": c.id, "tolerance": c.regenerate.tolerance, "reason": c.regenerate.tolerance_reason}
            for c in trial.claims if c.regenerate is not None and c.regenerate.tolerance is not None
        ],
        "km_figures": [
            _png_file(results.path(km_figure_file(e.id)), f"Kaplan-Meier curves of {e.label}") for e in trial.endpoints
        ],
        "estimates": estimates_table(stats, endpoint_labels, arm_labels),
        "forest": _png(png_bytes(forest_figure(hr_rows)), "Hazard ratios, published and regenerated"),
        "hazard_ratios": hazard_ratio_table(hr_rows),
        "response": response,
        "qa": [
            {
                "label": e.label,
                "figure": _png_file(results.path(qa_figure_file(e.id)), f"Reconstruction QA of {e.label}"),
                "overlay": None if e.image is None else _png_file(
                    results.path(overlay_figure_file(e.id)), f"Curves digitized from the figure image of {e.label}"),
                "fit": fit_table(diagnostics[e.id]["arms"], {a: arm_labels[a] for a in e.arms}),
                "at_risk": at_risk_table(diagnostics[e.id]["arms"], {a: arm_labels[a] for a in e.arms}),
            }
            for e in trial.endpoints
        ],
        "conventions": conventions_table(stats),
        "versions": versions_table(provenance),
        "footer": footer_context(provenance),
    }


def render_report(trial: Trial, results: ResultFiles) -> str:
    """The whole report page of a trial (kmrepro.audit.trial.Trial) from its result files."""
    return render_template("report.html", **report_context(trial, results)) + "\n"
