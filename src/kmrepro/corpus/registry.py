"""The registry: one row per kmdata figure (data set), its published hazard ratio against the regenerated one.

Reads what the generator wrote (corpus.json per trial) and what the workflow built (stats, claims), so it can
run after a build that failed for some papers: their rows say ``failed`` and name the logs to read.

kmdata's IPD are themselves reconstructed from the published figures, so a regenerated HR here has been
through two reconstructions; ``kmdata_ipd_hr`` (the HR of kmdata's IPD as it is) shows how close the first
one came, the floor the second cannot be expected to beat.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from kmrepro.audit.trial import load_config
from kmrepro.audit.verdicts import AGREEING
from kmrepro.corpus.kmdata import KMDATA, datasets, load
from kmrepro.corpus.page import registry_page
from kmrepro.io import write_csv_atomic, write_text_atomic

SCHEMA = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"
COLUMNS = [
    "trial", "endpoint", "title", "journal", "year", "outcome",
    "published_hr", "regenerated_hr", "lower", "upper", "abs_dlog_hr", "status", "ipd", "report",
]  # fmt: skip
#: |Δ log HR| above which kmdata's own IPD does not give the published HR: the figure is not the HR's population
#: or model (e.g. a stratified or adjusted HR, or a subgroup figure beside a whole-trial HR).
FLOOR_OFF = 0.10


def _effect(stats: dict, arm: str) -> dict:
    return stats["comparison"] if "comparison" in stats else stats["comparisons"][arm]


def _claim_status(results: Path, claim_id: str) -> str | None:
    path = results / "claims.json"
    if not path.is_file():
        return None
    return next((c["status"] for c in json.loads(path.read_text()) if c["id"] == claim_id), None)


def likely_reason(row: dict) -> str:
    """Why a regenerated HR may sit far from the published one, most telling first."""
    published, regenerated, floor = (math.log(row[k]) for k in ("published_hr", "regenerated_hr", "kmdata_ipd_hr"))
    if abs(regenerated + published) < abs(regenerated - published) and abs(published) >= 0.05:
        return "reversed reference: the inverse HR matches"
    if abs(floor - published) > FLOOR_OFF:
        return "figure is not the HR's population or model: kmdata's own IPD misses it too"
    if "stratif" in row["subgroups"].lower():
        return "stratified analysis"
    if row["subgroups"] or row["arms_in_figure"] > 2:
        return "subgroup figure"
    return "reconstruction error (two reconstructions in a row)"


def rows(config_path: Path, limit: int | None = None) -> list[dict]:
    """The registry rows of the first ``limit`` trials of the corpus config (all when None)."""
    config = load_config(config_path, SCHEMA)
    out = []
    for trial in config.trials[:limit]:
        corpus = json.loads((config.trials_dir / trial / "corpus.json").read_text())
        results = config.results_dir / trial
        for ds in corpus["datasets"]:
            endpoint = ds["endpoint"]
            stats_path = results / "stats" / f"{endpoint}.json"
            row = {
                "trial": trial, "endpoint": endpoint, **{k: ds[k] for k in ("title", "journal", "year", "outcome")},
                "published_hr": ds["published_hr"], "ipd": str(results / "ipd" / f"{endpoint}.csv"),
                "report": str(results / "report.html"), "dataset": ds["dataset"], "kmdata_ipd_hr": ds["kmdata_ipd_hr"],
                "reference": ds["reference"], "arm": ds["arm"], "reference_rule": ds["reference_rule"],
                "subgroups": ds["subgroups"], "arms_in_figure": ds["arms_in_figure"],
                "regenerated_hr": None, "lower": None, "upper": None, "abs_dlog_hr": None, "reason": "", "logs": "",
            }  # fmt: skip
            if not stats_path.is_file() or not (results / "report.html").is_file():  # report.html comes last
                logs = sorted(str(p) for p in (results / "logs").glob("*.log")) if (results / "logs").is_dir() else []
                row.update(status="failed", logs=" ".join(logs), reason="the workflow did not finish this figure")
            else:
                hr = _effect(json.loads(stats_path.read_text()), ds["arm"])["hazard_ratio"]
                row.update(regenerated_hr=hr["estimate"], lower=hr["lower"], upper=hr["upper"])
                row["abs_dlog_hr"] = abs(math.log(hr["estimate"]) - math.log(ds["published_hr"]))
                status = _claim_status(results, f"hr-{endpoint}-{ds['arm']}") or "differs"
                row["status"] = "reference-unknown" if ds["reference_rule"] == "undetermined" else status
                row["reason"] = "" if status in AGREEING else likely_reason(row)
            out.append(row)
    return out


def skipped(folder: Path = KMDATA) -> list[dict]:
    """kmdata sets the generator skipped (no IPD, not two arms, no published HR), as rows saying why."""
    key, ipd = load(folder)
    return [
        {"trial": "", "endpoint": "", "title": "", "journal": "", "year": None, "outcome": "", "published_hr": None,
         "status": "skipped", "reason": problem.message, "dataset": problem.message.split("'")[1]}
        for problem in datasets(key, ipd, folder)
        if not hasattr(problem, "arms")
    ]  # fmt: skip


def build_registry(config_path: Path, out: Path, limit: int | None = None) -> pd.DataFrame:
    """Write registry.csv (the issue's columns, one row per figure) and the self-contained index.html."""
    table = pd.DataFrame(rows(config_path, limit) + (skipped() if limit is None else []))
    write_csv_atomic(out / "registry.csv", table.reindex(columns=COLUMNS))
    links = {p: os.path.relpath(p, out) for p in table["report"].dropna().unique()}
    write_text_atomic(out / "index.html", registry_page(table, links))
    return table

