"""One call per stage of the workflow for one endpoint, with the trial's settings: what the notebooks run and
what the batch path (kmrepro.batch) runs, so the two cannot drift apart."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from matplotlib.figure import Figure

from kmrepro.analysis.extended import ph_test
from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.api import reconstruct_arm
from kmrepro.audit.trial import Endpoint, Trial
from kmrepro.ingest.digitize import Digitization, digitize_image
from kmrepro.ingest.readers import read_risk_table
from kmrepro.publish.plots import (
    extrapolation_figure,
    hazard_figure,
    km_figure,
    log_cumulative_hazard_figure,
    published_ticks,
    qa_figure,
    schoenfeld_figure,
)
from kmrepro.reconstruct.intervals import ArmDigitization, ClickNoise, pixel_noise, reconstruction_intervals


class EndpointReconstruction(NamedTuple):
    """Every arm of one figure reconstructed: IPD (``arm,time,event``), diagnostics and clicks by arm."""

    ipd: pd.DataFrame
    diagnostics: dict[str, dict]
    clicks: dict[str, pd.DataFrame]


def arm_labels(trial: Trial, spec: Endpoint) -> dict[str, str]:
    """The published names of the arms the figure shows, in trial order."""
    return {arm: trial.arm(arm).label for arm in spec.arms}


def digitize_endpoint(trial: Trial, endpoint_id: str) -> Digitization:
    """The digitize stage: each arm's curve read off the figure image the endpoint gives (``image:``)."""
    image = trial.endpoint(endpoint_id).image
    return digitize_image(image.path, image.x_ticks, image.y_ticks, image.arm_specs())


def figure_noise(digitization_json: str | Path) -> ClickNoise:
    """The noise of an image endpoint's digitized corners, in pixels of the calibration its digitize report gives."""
    return pixel_noise(json.loads(Path(digitization_json).read_text(encoding="utf-8"))["calibration"])


def reconstruct_endpoint(
    trial: Trial, endpoint_id: str, digitized: Mapping[str, str | Path] | None = None
) -> EndpointReconstruction:
    """Every arm of the endpoint, from its digitized curve and risk table to IPD (``digitized``: arm -> the
    digitize stage's curve file, for an endpoint that starts from an image)."""
    spec = trial.endpoint(endpoint_id)
    ipd, diagnostics, clicks = [], {}, {}
    for arm in spec.arms:
        files = spec.curves[arm]
        curve = spec.read_curve(arm, digitized)
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


def endpoint_stats(
    trial: Trial,
    endpoint_id: str,
    ipd: pd.DataFrame,
    source: str | Path | None = None,
    draws: int = 0,
    digitized: Mapping[str, str | Path] | None = None,
    noise: ClickNoise | None = None,
) -> dict:
    """The survival stage: the content of stats/<endpoint>.json, with the reconstruction intervals of ``draws``
    Monte Carlo reconstructions of the endpoint's digitized inputs (none when 0). ``digitized`` as for
    reconstruct_endpoint; ``noise``: the click noise when known (a figure's pixel size), else estimated."""
    spec = trial.endpoint(endpoint_id)
    analysis = trial.data["analysis"]
    stats = analyse_endpoint(
        ipd,
        arms=list(spec.arms),
        reference=spec.reference,
        landmarks=trial.landmarks,
        tau=trial.rmst_tau,
        trial_id=trial.id,
        endpoint_id=endpoint_id,
        time_unit=trial.time_unit,
        source=source,
        horizon=analysis.get("extrapolation", {}).get("horizon"),
        piecewise_cuts=analysis.get("piecewise_cuts", []),
    )
    if draws:
        inputs = {}
        for arm in spec.arms:
            files = spec.curves[arm]
            at_risk = None if files.at_risk is None else read_risk_table(files.at_risk)
            inputs[arm] = ArmDigitization(spec.read_curve(arm, digitized), files.n, at_risk, files.total_events, noise)
        with warnings.catch_warnings():  # the reconstruct stage has reported the inputs' repairs once
            warnings.simplefilter("ignore")
            stats["reconstruction_intervals"] = _intervals(inputs, spec.reference, trial.landmarks, draws)
    return stats


def _intervals(inputs: dict[str, ArmDigitization], reference: str, landmarks, draws: int) -> dict:
    """Reconstruction intervals keyed by stats path; an endpoint of three or more arms is drawn one pair
    (arm against the reference) at a time, as its comparisons are fitted, under ``comparisons.<arm>``."""
    if len(inputs) == 2:
        return reconstruction_intervals(inputs, reference, landmarks, draws=draws)
    merged: dict = {}
    for arm in inputs:
        if arm == reference:
            continue
        pair = {a: inputs[a] for a in (arm, reference)}
        for key, interval in reconstruction_intervals(pair, reference, landmarks, draws=draws).items():
            if key.startswith("comparison."):
                key = f"comparisons.{arm}." + key.removeprefix("comparison.")
            merged.setdefault(key, interval)  # the reference arm's own statistics: from its first pair
    return merged


def model_plots(trial: Trial, endpoint_id: str, ipd: pd.DataFrame, stats: dict) -> dict[str, Figure]:
    """The extrapolation and proportional-hazards figures of a two-arm endpoint, by kind (results.MODEL_FIGURES)."""
    spec = trial.endpoint(endpoint_id)
    labels = arm_labels(trial, spec)
    (arm,) = [a for a in spec.arms if a != spec.reference]
    if "models" in stats["arms"][arm]:
        extrapolation = extrapolation_figure(ipd, stats, labels, trial.time_unit, f"{spec.label}: fitted models to the horizon")
        hazards = hazard_figure(ipd, stats, labels, trial.time_unit, f"{spec.label}: hazard, models against data")
    else:  # no analysis.extrapolation in trial.yaml: say so instead of drawing
        extrapolation = hazards = Figure(figsize=(5, 1))
        extrapolation.text(0.02, 0.5, "No extrapolation horizon set (analysis.extrapolation in trial.yaml).")
    arm_data = {a: (g["time"].to_numpy(float), g["event"].to_numpy(int)) for a, g in ipd.groupby("arm")}
    test = ph_test(arm_data, arm, spec.reference)
    return {
        "extrapolation": extrapolation,
        "hazard": hazards,
        "logcumhaz": log_cumulative_hazard_figure(ipd, labels, trial.time_unit, f"{spec.label}: log cumulative hazard"),
        "schoenfeld": schoenfeld_figure(
            test["residuals"], test, test["log_hr"], trial.time_unit, f"{spec.label}: Schoenfeld residuals"
        ),
    }


def km_plot(trial: Trial, endpoint_id: str, ipd: pd.DataFrame, stats: dict, diagnostics: dict):
    """The Figure 1 style KM plot, on the publication's time ticks (read off its risk table)."""
    spec = trial.endpoint(endpoint_id)
    title = f"Figure {spec.figure}. {spec.label}" if spec.figure else spec.label
    return km_figure(ipd, stats, arm_labels(trial, spec), trial.time_unit, title,
                     ticks=published_ticks(diagnostics["arms"]))  # fmt: skip
