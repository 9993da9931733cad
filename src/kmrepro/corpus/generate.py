"""One trial folder per kmdata paper: trial.yaml, simulated digitized curves and risk tables, corpus.json.

Each figure panel is an endpoint; each of its arms is digitized by the same model of a careful person as
the round-trip benchmark (kmrepro.reconstruct.simulate, one shared time axis per panel, seed fixed per data
set and arm). The claims are what key.csv and the IPD give: the published hazard ratio (against the
reference chosen in kmrepro.corpus.kmdata, and how it was chosen) and every arm's size. key.csv states no
medians (only whether kmdata's reconstruction matched them), so no median is claimed.

Files are rewritten only when their content changes, so regenerating leaves Snakemake nothing to redo.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kmrepro.corpus.kmdata import KMDATA, REFERENCE_RULES, Dataset, Figure, datasets, figures, load
from kmrepro.errors import InputError
from kmrepro.reconstruct.simulate import Figure as Drawing
from kmrepro.reconstruct.simulate import digitize, nice_step

SEED = 2012
#: Landmark and RMST horizon, one and two years in each time unit kmdata uses.
YEAR = {"days": 365.25, "weeks": 52.0, "months": 12.0, "years": 1.0}
#: Fewer Monte Carlo draws than a single trial's 200, to keep the corpus within its time budget: interval
#: ends then move by a median 6.9 % of the interval's width between runs (README, reconstruction intervals).
CORPUS_DRAWS = 50
SOURCE = "kmdata key.csv (HazardRatio of data set {name}) and ipd.csv.gz"


@dataclass(frozen=True)
class Paper:
    id: str
    datasets: list[Dataset]

    @property
    def key(self) -> dict:
        return self.datasets[0].key


def slug(text: str) -> str:
    """An id the trial schema accepts: lower case, [a-z0-9_-], starting with a letter or digit."""
    return re.sub(r"[^a-z0-9_-]+", "-", str(text).lower()).strip("-_") or "x"


def papers(key: pd.DataFrame, ipd: dict[str, pd.DataFrame], folder: Path, problems: list[InputError]) -> list[Paper]:
    """The papers in key.csv order with their data sets; unusable data sets are appended to ``problems``."""
    by_paper: dict[int, list[Dataset]] = {}
    for item in datasets(key, ipd, folder):
        if isinstance(item, InputError):
            problems.append(item)
        else:
            by_paper.setdefault(int(item.key["PubMedID"]), []).append(item)
    names = {pmid: slug(re.sub(r"\(.\)$", "", str(sets[0].key["ClinicalTrial"]))) for pmid, sets in by_paper.items()}
    clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
    return [
        Paper(f"{names[pmid]}-{pmid}" if names[pmid] in clashes else names[pmid], sets)
        for pmid, sets in by_paper.items()
    ]


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def _arm_frames(figure: Figure) -> dict[str, pd.DataFrame]:
    """Each arm's IPD, from the first data set showing it (a shared comparator is the same curve in each)."""
    frames: dict[str, pd.DataFrame] = {}
    for ds in figure.datasets:
        for arm in ds.arms:
            frames.setdefault(arm, ds.ipd[ds.ipd["arm"] == arm])
    return frames


def _digitize_figure(folder: Path, endpoint: str, figure: Figure) -> dict[str, dict]:
    """Write each arm's clicks and risk table on the panel's one time axis; return the curve entries."""
    frames = _arm_frames(figure)
    end = max(float(f["time"].max()) for f in frames.values())
    tick = nice_step(end, Drawing().ticks)
    curves = {}
    for arm, frame in frames.items():
        rng = np.random.default_rng([SEED, zlib.crc32(f"{figure.datasets[0].name}/{arm}".encode())])
        clicks, table = digitize(frame["time"].to_numpy(float), frame["event"].to_numpy(int), rng, Drawing(),
                                 t_max=tick * math.ceil(end / tick), tick=tick)
        stem = f"digitized/{endpoint}_{slug(arm)}"
        _write_if_changed(folder / f"{stem}.csv", clicks.to_csv(index=False, float_format="%.9g"))
        _write_if_changed(folder / f"{stem}_at_risk.csv", table.to_csv(index=False, float_format="%.9g"))
        curves[slug(arm)] = {"curve": f"{stem}.csv", "at_risk": f"{stem}_at_risk.csv", "n": len(frame)}
    return curves


def _claims(endpoint: str, figure: Figure, labels: dict[str, str], sizes: dict[str, int]) -> list[dict]:
    ref = slug(figure.reference)
    how = REFERENCE_RULES[figure.reference_rule]
    claims = []
    for ds in figure.datasets:
        (arm,) = [slug(a) for a in ds.arms if a != figure.reference]
        stat = "comparison" if len(figure.arms) == 2 else f"comparisons.{arm}"
        hedge = "assumed reference" if figure.reference_rule == "undetermined" else "reference"
        claims.append({
            "id": f"hr-{endpoint}-{arm}",
            "kind": "efficacy",
            "description": f"{ds.key['Outcome']} hazard ratio, {labels[arm]} vs {labels[ref]} ({hedge} "
            f"{labels[ref]}: {how}), Figure {figure.panel}",
            "source": SOURCE.format(name=ds.name),
            "value": ds.published_hr,
            "unit": "hazard_ratio",
            "regenerate": {"path": f"stats/{endpoint}.json#{stat}.hazard_ratio"},
        })
    for arm, n in sizes.items():
        claims.append({
            "id": f"n-{endpoint}-{arm}",
            "kind": "conduct",
            "description": f"Patients in {labels[arm]} at time 0 of Figure {figure.panel}",
            "source": SOURCE.format(name=figure.datasets[0].name),
            "value": n,
            "unit": "count",
            "regenerate": {"path": f"stats/{endpoint}.json#arms.{arm}.n"},
        })
    return claims


def trial_document(paper: Paper, folder: Path) -> tuple[dict, dict]:
    """trial.yaml's content and corpus.json's (what the registry needs per data set); writes the curves."""
    key = paper.key
    unit = str(key["Units"])
    arms: dict[str, dict] = {}
    endpoints, claims, sets = [], [], []
    for figure in figures(paper.datasets):
        endpoint = slug(figure.panel)
        while any(e["id"] == endpoint for e in endpoints):  # one panel label, two figures with no arm in common
            endpoint += "-b"
        curves = _digitize_figure(folder, endpoint, figure)
        for arm, original in zip(curves, figure.arms):
            arms.setdefault(arm, {"id": arm, "label": original, "n": curves[arm]["n"]})
        for arm, entry in curves.items():
            if entry["n"] == arms[arm]["n"]:
                del entry["n"]
        sizes = {slug(a): len(f) for a, f in _arm_frames(figure).items()}
        labels = {slug(a): a for a in figure.arms}
        endpoints.append({
            "id": endpoint,
            "label": f"{figure.key['Outcome']} (Figure {figure.panel})",
            "figure": figure.panel,
            "arms": [slug(a) for a in figure.arms],
            "reference": slug(figure.reference),
            "curves": curves,
        })
        claims += _claims(endpoint, figure, labels, sizes)
        sets += [
            {
                "dataset": ds.name, "endpoint": endpoint, "arm": slug(next(a for a in ds.arms if a != figure.reference)),
                "reference": slug(figure.reference), "reference_rule": figure.reference_rule,
                "arms_in_figure": len(figure.arms), "published_hr": ds.published_hr,
                "kmdata_ipd_hr": figure.ipd_hr[ds.name], "title": str(ds.key["Title"]),
                "journal": str(ds.key["Journal"]), "year": int(ds.key["Year"]), "outcome": str(ds.key["Outcome"]),
                "subgroups": "" if pd.isna(ds.key["Subgroups"]) else str(ds.key["Subgroups"]),
            }
            for ds in figure.datasets
        ]
    first_ref = endpoints[0]["reference"]
    arm_list = [{**a, "reference": True} if a["id"] == first_ref else a for a in arms.values()]
    registration = str(key["TrialRegistration"])
    doc = {
        "id": paper.id,
        "title": f"{key['ClinicalTrial']}: {key['Title']}",
        "citation": f"{key['Title']}. {key['Journal']} {key['Year']}. PubMed {key['PubMedID']}.",
        **({"registration": registration} if registration not in ("NR", "nan") else {}),
        "time_unit": unit,
        "provenance": {
            "kind": "simulated-from-reconstructed-ipd",
            "description": "Clicks and risk tables simulated (kmrepro.reconstruct.simulate) from the kmdata R "
            "package's IPD (Redd, Fell, Rahman; MIT), which were themselves reconstructed from this paper's "
            "figures. Claims: kmdata's published hazard ratio and the arm sizes.",
            "how_to_replace": "Digitize the published figure (WebPlotDigitizer) and point each curve at it.",
        },
        "arms": arm_list,
        "endpoints": endpoints,
        "analysis": {"landmarks": [YEAR[unit]], "rmst_tau": 2 * YEAR[unit]},
        "claims": claims,
    }
    return doc, {"trial": paper.id, "datasets": sets}


def write_trial(paper: Paper, out: Path) -> None:
    folder = out / paper.id
    doc, corpus = trial_document(paper, folder)
    _write_if_changed(folder / "trial.yaml", yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))
    _write_if_changed(folder / "corpus.json", json.dumps(corpus, indent=1, sort_keys=True) + "\n")


def write_config(trial_ids: Iterable[str], out: Path, results: Path, path: Path) -> None:
    """The --configfile that points the workflow at the generated trials."""
    config = {"trials": list(trial_ids), "trials_dir": str(out), "results_dir": str(results), "batch": True,
              "reconstruction_draws": CORPUS_DRAWS}
    _write_if_changed(path, yaml.safe_dump(config, sort_keys=False))


def generate(out: Path, results: Path, limit: int | None = None, folder: Path = KMDATA) -> list[InputError]:
    """Write the first ``limit`` papers (all when None) and the config listing them; return skipped inputs."""
    problems: list[InputError] = []
    key, ipd = load(folder)
    chosen = papers(key, ipd, folder, problems)[:limit]
    for paper in chosen:
        write_trial(paper, out)
    write_config([p.id for p in chosen], out, results, out / "config.yaml")
    return problems
