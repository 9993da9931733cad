"""Build the validation trial from REAL individual patient data: lifelines' GBSG2.

German Breast Cancer Study Group 2 (Schumacher et al. 1994, J R Stat Soc A 157:293-312): 686 women
with node-positive breast cancer, recurrence-free survival, hormone therapy (tamoxifen) vs none.
This script draws the true Kaplan-Meier curves as a journal figure (kmrepro.publish.kmfigure, survminer-like:
+ censor marks, numbers at risk under the plot) to figures/figure_1.png, which the workflow digitizes, writes
the risk table every 12 months as a CSV, and writes trial.yaml whose claims are the values R's survival package
computes on the real IPD (tests/reference/make_reference.R, dataset gbsg2_months), so the truth does not come
from the code under audit. The report of this trial therefore shows how well the whole pipeline recovers known
truth. Deterministic; run from the repository root:

    python trials/gbsg2/make_inputs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from lifelines.datasets import load_gbsg2

from kmrepro.io import write_csv_atomic, write_text_atomic
from kmrepro.publish.kmfigure import draw_km_figure, with_style
from kmrepro.reconstruct.simulate import Figure, digitize

HERE = Path(__file__).resolve().parent
SEED = 1994
DAYS_PER_MONTH = 365.25 / 12
ARMS = {"hormone": ("Hormone therapy (tamoxifen)", "yes"), "none": ("No hormone therapy", "no")}
LANDMARKS, TAU = [12, 24, 36, 60], 60
HORIZON, PIECEWISE_CUTS = 120, [12, 24, 60]  # extrapolate to 10 years; HR per year 1, year 2, years 3-5, later
FIGURE = Figure(width_px=900, height_px=500, noise_px=0.5)
STYLE = with_style("survminer", dpi=125)  # 875 x 750 px
IMAGE = "figures/figure_1.png"
SOURCE = ("R survival on the real GBSG2 IPD (lifelines), in months: tests/reference/r_survival.json (gbsg2_months), "
          "copied by trials/gbsg2/make_inputs.py.")
R_REFERENCE = HERE.parents[1] / "tests" / "reference" / "r_survival.json"


def true_ipd() -> pd.DataFrame:
    data = load_gbsg2()
    arm = data.horTh.map({code: arm for arm, (_, code) in ARMS.items()})
    return pd.DataFrame({"arm": arm, "time": data.time / DAYS_PER_MONTH, "event": data.cens.astype(int)})


def r_truth() -> dict:
    """R's numbers for the real IPD, shaped like kmrepro's stats JSON with this trial's arm ids."""
    ref = json.loads(R_REFERENCE.read_text(encoding="utf-8"))["datasets"]["gbsg2_months"]
    assert ref["landmarks"] == LANDMARKS and ref["tau"] == TAU, "make_reference.R must use this trial's analysis"
    cox = ref["cox"]
    return {
        "arms": {arm: ref["arms"][code] for arm, (_, code) in ARMS.items()},
        "comparison": {"hazard_ratio": {"estimate": cox["hr"], "lower": cox["lower"], "upper": cox["upper"]}},
    }


def claim(cid: str, description: str, value, unit: str, path: str, ci=None) -> dict:
    """A claim judged by its reconstruction interval (no tolerance override)."""
    out = {"id": cid, "kind": "efficacy", "description": description, "source": SOURCE,
           "value": round(float(value), 4), "unit": unit}
    if ci is not None and None not in ci:
        out["ci"] = {"lower": round(float(ci[0]), 4), "upper": round(float(ci[1]), 4)}
    out["regenerate"] = {"path": path}
    return out


def claims_from_truth(stats: dict) -> list[dict]:
    out = []
    for arm, (label, _) in ARMS.items():
        a = stats["arms"][arm]
        m = a["median"]
        out.append(claim(f"rfs_median_{arm}", f"Median RFS, {label}", m["estimate"], "months",
                         f"stats/rfs.json#arms.{arm}.median", (m["lower"], m["upper"])))
        s = a["survival"]["60"]
        out.append(claim(f"rfs_5y_{arm}", f"5-year RFS, {label}", 100 * s["estimate"], "percent",
                         f"stats/rfs.json#arms.{arm}.survival.60", (100 * s["lower"], 100 * s["upper"])))
        out.append(claim(f"rfs_events_{arm}", f"Recurrences or deaths, {label}", a["events"], "count",
                         f"stats/rfs.json#arms.{arm}.events"))
        f = a["median_follow_up"]
        out.append(claim(f"follow_up_median_{arm}", f"Median follow-up (reverse KM), {label}", f["estimate"], "months",
                         f"stats/rfs.json#arms.{arm}.median_follow_up"))
    hr = stats["comparison"]["hazard_ratio"]
    out.append(claim("rfs_hr", "Hazard ratio of RFS, hormone therapy vs none (Cox, Efron)", hr["estimate"], "hazard_ratio",
                     "stats/rfs.json#comparison.hazard_ratio", (hr["lower"], hr["upper"])))
    return out


def main() -> None:
    ipd = true_ipd()
    stats = r_truth()
    rng = np.random.default_rng(SEED)
    curves = {}
    for arm in ARMS:
        g = ipd[ipd.arm == arm]
        _, table = digitize(g.time.to_numpy(), g.event.to_numpy(), rng, FIGURE, tick=12.0)
        at_risk = f"digitized/rfs_{arm}_at_risk.csv"
        write_csv_atomic(HERE / at_risk, table)
        curves[arm] = {"at_risk": at_risk}
    drawn = draw_km_figure({arm: (g.time.to_numpy(), g.event.to_numpy()) for arm, g in ipd.groupby("arm")},
                           HERE / IMAGE, STYLE, x_step=12.0)
    image = {"path": IMAGE, "x_ticks": ":".join(f"{v:g}" for v in drawn.x_ticks),
             "y_ticks": ":".join(f"{v:g}" for v in drawn.y_ticks), "arms": {arm: c for arm, (c, _) in drawn.arms.items()}}
    trial = {
        "id": "gbsg2",
        "title": "Validation: GBSG2, hormone therapy in node-positive breast cancer (real IPD)",
        "citation": "Schumacher M, Bastert G, Bojar H, et al. Randomized 2 x 2 trial evaluating hormonal treatment "
        "and the duration of chemotherapy in node-positive breast cancer patients. J Clin Oncol 1994;12:2086-2093.",
        "time_unit": "months",
        "provenance": {
            "kind": "derived-from-real-ipd",
            "description": "Figure 1 (figures/figure_1.png) was drawn from the real GBSG2 individual patient data "
            "shipped with lifelines, and the risk tables in digitized/ (every 12 months) computed from it, by "
            "make_inputs.py; the workflow digitizes the figure. The claims are the values computed on the real IPD, so this report measures how "
            "well the pipeline recovers the truth.",
            "how_to_replace": "Rerun python trials/gbsg2/make_inputs.py (deterministic) after changing the "
            "figure style (STYLE) or the IPD source.",
        },
        "arms": [{"id": arm, "label": label, "n": int((ipd.arm == arm).sum()), **({"reference": True} if arm == "none" else {})}
                 for arm, (label, _) in ARMS.items()],
        "endpoints": [{"id": "rfs", "label": "Recurrence-free survival", "figure": "1", "image": image,
                       "curves": curves}],
        "analysis": {"landmarks": LANDMARKS, "rmst_tau": TAU, "extrapolation": {"horizon": HORIZON},
                     "piecewise_cuts": PIECEWISE_CUTS},
        "claims": claims_from_truth(stats),
    }
    header = "# Generated by trials/gbsg2/make_inputs.py: do not edit by hand.\n"
    write_text_atomic(HERE / "trial.yaml", header + yaml.safe_dump(trial, sort_keys=False, allow_unicode=True, width=110))


if __name__ == "__main__":
    main()
