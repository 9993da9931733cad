"""What the report shows of the extrapolation models and the PH checks, as plain rows and sentences.

Kept apart from the page layout (templates) so the numbers and the wording are tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping

from kmrepro.analysis.parametric import MODEL_NAMES
from kmrepro.publish.plots import MODEL_LABELS
from kmrepro.publish.format import format_ci, format_number, format_p

#: Significance level at which the report spells out what a rejected PH test means.
PH_ALPHA = 0.05


def model_rows(arm_stats: Mapping) -> list[dict]:
    """One row per model of one arm: fit, ΔAIC/ΔBIC from the best eligible model, means, median, remarks."""
    models = arm_stats.get("models", {})
    best = arm_stats.get("model_selection", {})
    eligible = [m for m in models.values() if m["converged"] and not m["degenerate"]]
    min_aic = min((m["aic"] for m in eligible), default=None)
    min_bic = min((m["bic"] for m in eligible), default=None)
    rows = []
    for name in MODEL_NAMES:
        if name not in models:
            continue
        m = models[name]
        usable = m["converged"] and not m["degenerate"]
        rm = m["restricted_mean"]
        rows.append({
            "name": name,
            "model": MODEL_LABELS[name],
            "loglik": format_number(m["loglik"], 2),
            "aic": format_number(m["aic"], 2),
            "delta_aic": format_number(m["aic"] - min_aic, 2) if usable and min_aic is not None else "",
            "bic": format_number(m["bic"], 2),
            "delta_bic": format_number(m["bic"] - min_bic, 2) if usable and min_bic is not None else "",
            "restricted_mean": format_ci(rm) if rm["estimate"] is not None else "",
            "mean": format_number(m["mean"]) if m["mean"] is not None else ("infinite" if usable else ""),
            "median": format_number(m["median"]) if m["median"] is not None else "not reached",
            "best_aic": name == best.get("aic"),
            "best_bic": name == best.get("bic"),
            "note": m["note"] or "",
        })
    return rows


def ph_verdict(comparison: Mapping, published_hr: float | None = None) -> dict:
    """The PH test in plain words; ``rejected`` says whether the single HR should be read with care."""
    test = comparison["ph_test"]
    rejected = test["p"] < PH_ALPHA
    stat = f"χ² = {test['chisq']:.2f}, P {format_p(test['p'])}"
    hr = f"of {published_hr:g} " if published_hr is not None else ""
    if rejected:
        pieces = [f"{format_number(p['estimate'], 2)} in {_interval(p)}" for p in comparison.get("piecewise_hr", [])
                  if p["estimate"] is not None]
        text = (f"The proportional-hazards test rejects at the 5% level ({stat}): the hazard ratio changes over "
                f"follow-up, so the single published hazard ratio {hr}is an average over time that holds at no "
                f"particular time. Read it beside the hazard ratios by interval"
                + (f" ({'; '.join(pieces)})" if pieces else "")
                + ", the restricted-mean ratio and the differences in survival at the landmarks.")
    else:
        text = (f"No evidence against proportional hazards ({stat}). The test has little power in small trials; "
                f"the log-cumulative-hazard and Schoenfeld plots show what it cannot.")
    return {"rejected": rejected, "text": text, "statistic": stat}


def _interval(piece: Mapping) -> str:
    return f"{piece['start']:g}+" if piece["end"] is None else f"{piece['start']:g}–{piece['end']:g}"


def piecewise_rows(comparison: Mapping, time_unit: str) -> list[dict]:
    return [{"interval": f"{_interval(p)} {time_unit}", "events": p["events"],
             "hazard_ratio": format_ci(p, 2) if p["estimate"] is not None else p.get("note", "")}
            for p in comparison.get("piecewise_hr", [])]


def milestone_rows(comparison: Mapping, time_unit: str) -> list[dict]:
    """Differences in survival (percentage points) at each landmark."""
    rows = []
    for t, d in comparison.get("milestone_differences", {}).items():
        if d is None:
            value = "beyond follow-up"
        elif d["lower"] is None:
            value = f"{100 * d['estimate']:.1f} (no CI: a curve reached 0)"
        else:
            value = format_ci({k: 100 * d[k] for k in ("estimate", "lower", "upper")})
        rows.append({"time": f"{t} {time_unit}", "difference": value})
    return rows
