"""One call per stage of the workflow for one endpoint, with the trial's settings: what the notebooks run and
what the batch path (kmrepro.batch) runs, so the two cannot drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.api import reconstruct_arm
from kmrepro.audit.trial import Endpoint, Trial
from kmrepro.ingest.readers import read_curve
from kmrepro.publish.plots import km_figure, published_ticks, qa_figure


class EndpointReconstruction(NamedTuple):
    """Every arm of one figure reconstructed: IPD (``arm,time,event``), diagnostics and clicks by arm."""

    ipd: pd.DataFrame
    diagnostics: dict[str, dict]
    clicks: dict[str, pd.DataFrame]


def arm_labels(trial: Trial, spec: Endpoint) -> dict[str, str]:
    """The published names of the arms the figure shows, in trial order."""
    return {arm: trial.arm(arm).label for arm in spec.arms}


def reconstruct_endpoint(trial: Trial, endpoint_id: str) -> EndpointReconstruction:
    """Every arm of the endpoint, from its digitized curve and risk table to IPD."""
    spec = trial.endpoint(endpoint_id)
    ipd, diagnostics, clicks = [], {}, {}
    for arm in spec.arms:
        files = spec.curves[arm]
        curve = read_curve(files.curve, dataset=files.dataset, scale=files.scale)
        result = reconstruct_arm(curve, files.n, files.at_risk, files.total_events)
        ipd.append(result.ipd.assign(arm=arm)[["arm", "time", "event"]])
        diagnostics[arm] = result.diagnostics
        clicks[arm] = pd.DataFrame({"time": curve.time, "survival": curve.survival})
    return EndpointReconstruction(pd.concat(ipd, ignore_index=True), diagnostics, clicks)


def diagnostics_document(trial: Trial, endpoint_id: str, diagnostics: dict[str, dict]) -> dict:
    """diagnostics/<endpoint>.json."""
    return {"trial": trial.id, "endpoint": endpoint_id, "arms": diagnostics}


def qa_plot(trial: Trial, endpoint_id: str, rec: EndpointReconstruction):
    spec = trial.endpoint(endpoint_id)
    return qa_figure(rec.clicks, rec.ipd, rec.diagnostics, arm_labels(trial, spec), trial.time_unit,
                     f"{spec.label}: reconstruction QA")  # fmt: skip


def endpoint_stats(trial: Trial, endpoint_id: str, ipd: pd.DataFrame, source: str | Path | None = None) -> dict:
    """The survival stage: the content of stats/<endpoint>.json."""
    spec = trial.endpoint(endpoint_id)
    return analyse_endpoint(
        ipd,
        arms=list(spec.arms),
        reference=spec.reference,
        landmarks=trial.landmarks,
        tau=trial.rmst_tau,
        trial_id=trial.id,
        endpoint_id=endpoint_id,
        time_unit=trial.time_unit,
        source=source,
    )


def km_plot(trial: Trial, endpoint_id: str, ipd: pd.DataFrame, stats: dict, diagnostics: dict):
    """The Figure 1 style KM plot, on the publication's time ticks (read off its risk table)."""
    spec = trial.endpoint(endpoint_id)
    title = f"Figure {spec.figure}. {spec.label}" if spec.figure else spec.label
    return km_figure(ipd, stats, arm_labels(trial, spec), trial.time_unit, title,
                     ticks=published_ticks(diagnostics["arms"]))  # fmt: skip
