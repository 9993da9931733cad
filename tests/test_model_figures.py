"""The extrapolation and PH figures draw from the stats JSON alone and are byte-identical across runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kmrepro.analysis.extended import ph_test
from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.publish import plots

DATA = Path(__file__).parent / "reference" / "data" / "gbsg2.csv"


@pytest.fixture(scope="module")
def endpoint():
    ipd = pd.read_csv(DATA, dtype={"arm": str})
    ipd["time"] = ipd["time"] / 30.4375
    stats = analyse_endpoint(ipd, ["yes", "no"], "no", [12, 24], 24, "t", "rfs", "months", horizon=120,
                             piecewise_cuts=[12, 36])
    return ipd, stats


def _draw(ipd, stats) -> list[bytes]:
    labels = {"yes": "Tamoxifen", "no": "Control"}
    data = {a: (g["time"].to_numpy(float), g["event"].to_numpy(int)) for a, g in ipd.groupby("arm")}
    test = ph_test(data, "yes", "no")
    figures = [
        plots.extrapolation_figure(ipd, stats, labels, "months", "Extrapolation"),
        plots.hazard_figure(ipd, stats, labels, "months", "Hazards"),
        plots.log_cumulative_hazard_figure(ipd, labels, "months", "log H"),
        plots.schoenfeld_figure(test["residuals"], test, test["log_hr"], "months", "Schoenfeld"),
    ]
    return [plots.png_bytes(f) for f in figures]


def test_figures_are_deterministic(endpoint):
    first, second = _draw(*endpoint), _draw(*endpoint)
    assert all(a == b and a.startswith(b"\x89PNG") for a, b in zip(first, second))


def test_ph_test_residuals_centre_on_the_log_hr(endpoint):
    ipd, stats = endpoint
    data = {a: (g["time"].to_numpy(float), g["event"].to_numpy(int)) for a, g in ipd.groupby("arm")}
    test = ph_test(data, "yes", "no")
    assert test["chisq"] == pytest.approx(stats["comparison"]["ph_test"]["chisq"])
    # scaled residuals average to beta (the score is zero at the MLE), as R's plot.cox.zph shows
    assert test["residuals"]["scaled"].mean() == pytest.approx(test["log_hr"], abs=0.05)
