"""The Snakemake workflow end to end, on a small config in a temporary directory.

The validation trial is lifelines' real GBSG2 data (tamoxifen vs none, recurrence-free survival) put
through a simulated digitization (kmrepro.reconstruct.simulate), so the truth the workflow must regenerate is known.
A second trial without a response: section exercises the workflow's conditional response stage.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from lifelines.datasets import load_gbsg2

from conftest import REPO
from kmrepro.publish.kmfigure import draw_km_figure
from kmrepro.reconstruct.simulate import digitize

DAYS_PER_MONTH = 365.25 / 12
#: Reconstruction error allowed against the real data, as trial.schema.yaml argues for claims: a
#: hazard ratio to 0.05, a median to 0.5 month.
HR_TOLERANCE = 0.05
MEDIAN_TOLERANCE = 0.5
ARMS = {"tamoxifen": "yes", "control": "no"}  # arm id -> GBSG2 horTh
BIN = Path(sys.executable).parent


def gbsg2() -> pd.DataFrame:
    g = load_gbsg2()
    return pd.DataFrame({"arm": g["horTh"].map({v: k for k, v in ARMS.items()}), "time": g["time"] / DAYS_PER_MONTH, "event": g["cens"]})


def truth() -> dict:
    """Hazard ratio (unstratified Cox, Efron) and medians of the real data, from R's survival package
    (tests/reference/make_reference.R, dataset gbsg2_months): what the workflow must regenerate."""
    ref = json.loads((REPO / "tests/reference/r_survival.json").read_text())["datasets"]["gbsg2_months"]
    cox = ref["cox"]
    medians = {arm: ref["arms"][code]["median"]["estimate"] for arm, code in ARMS.items()}
    return {"hr": cox["hr"], "hr_ci": (cox["lower"], cox["upper"]), "median": medians}


def write_trial(folder: Path, trial_id: str, response: bool, image: bool = False) -> dict:
    """A trial folder with a simulated digitization of GBSG2; its claims state the true values, rounded.

    ``image``: the endpoint starts from a drawn figure of the data (survminer-like) instead of curve CSVs.
    """
    data = gbsg2()
    rng = np.random.default_rng(7)
    curves = {}
    (folder / "digitized").mkdir(parents=True)
    for arm in ARMS:
        rows = data[data["arm"] == arm]
        curve, at_risk = digitize(rows["time"].to_numpy(), rows["event"].to_numpy(), rng, t_max=90.0, tick=12.0)
        at_risk.to_csv(folder / "digitized" / f"rfs_{arm}_at_risk.csv", index=False)
        curves[arm] = {"at_risk": f"digitized/rfs_{arm}_at_risk.csv"}
        if not image:
            curve.to_csv(folder / "digitized" / f"rfs_{arm}.csv", index=False)
            curves[arm]["curve"] = f"digitized/rfs_{arm}.csv"
    endpoint = {"id": "rfs", "label": "Recurrence-free survival", "figure": "1A"}
    if image:
        arms = {arm: (rows["time"].to_numpy(), rows["event"].to_numpy()) for arm, rows in data.groupby("arm")}
        drawn = draw_km_figure(arms, folder / "figure_1a.png", "survminer", x_step=12.0)
        endpoint["image"] = {
            "path": "figure_1a.png",
            "x_ticks": ":".join(f"{v:g}" for v in drawn.x_ticks),
            "y_ticks": ":".join(f"{v:g}" for v in drawn.y_ticks),
            "arms": {arm: colour for arm, (colour, _) in drawn.arms.items()},
        }
    true = truth()
    claims = [
        {
            "id": "rfs_hr",
            "kind": "efficacy",
            "description": "RFS hazard ratio, tamoxifen vs none",
            "source": "test",
            "value": round(true["hr"], 2),
            "unit": "hazard_ratio",
            "decimals": 2,
            "ci": {"lower": round(true["hr_ci"][0], 2), "upper": round(true["hr_ci"][1], 2)},
            "regenerate": {"path": "stats/rfs.json#comparison.hazard_ratio"},
        },
        *(
            {
                "id": f"rfs_median_{arm}",
                "kind": "efficacy",
                "description": f"Median RFS, {arm}",
                "source": "test",
                "value": round(true["median"][arm], 1),
                "unit": "months",
                "regenerate": {"path": f"stats/rfs.json#arms.{arm}.median"},
            }
            for arm in ARMS
        ),
        {
            "id": "patients",
            "kind": "design",
            "description": "Patients randomised",
            "source": "test",
            "value": len(data),
            "unit": "count",
            "checks": {"sum_of": [{"arm": "tamoxifen"}, {"arm": "control"}]},
        },
    ]
    spec = {
        "id": trial_id,
        "title": f"GBSG2 validation ({trial_id})",
        "citation": "Schumacher M, et al. J Clin Oncol 1994;12:2086-93.",
        "time_unit": "months",
        "provenance": {
            "kind": "synthetic",
            "description": "A simulated digitization of the real GBSG2 data.",
            "how_to_replace": "Digitize the published figure into digitized/.",
        },
        "arms": [
            {"id": "tamoxifen", "label": "Tamoxifen", "n": int((data["arm"] == "tamoxifen").sum())},
            {"id": "control", "label": "No tamoxifen", "n": int((data["arm"] == "control").sum()), "reference": True},
        ],
        "endpoints": [{**endpoint, "curves": curves}],
        "analysis": {"landmarks": [12, 36, 60], "rmst_tau": 60},
        "claims": claims,
    }
    if response:
        nodes = load_gbsg2()["pnodes"] > 3
        percent = {arm: round(100 * float(nodes[data["arm"] == arm].mean())) for arm in ARMS}
        spec["response"] = [{"id": "nodes", "label": "More than 3 positive nodes", "percent": percent}]
        claims.append(
            {
                "id": "nodes_tamoxifen",
                "kind": "baseline",
                "description": "More than 3 positive nodes, tamoxifen arm",
                "source": "test",
                "value": percent["tamoxifen"],
                "unit": "percent",
                "regenerate": {"path": "response.json#nodes.arms.tamoxifen.rate"},
            }
        )
    (folder / "trial.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def trial_folders(tmp_path_factory) -> Path:
    """Trial folders built once: ``val`` (with a response: section, from curve CSVs) and ``val-noresp`` (without,
    from a figure image)."""
    root = tmp_path_factory.mktemp("trials")
    write_trial(root / "val", "val", response=True)
    write_trial(root / "val-noresp", "val-noresp", response=False, image=True)
    return root


def workspace(path: Path, trial_folders: Path, trials: list[str]) -> Path:
    """A working directory holding the workflow (symlinked) and copies of the given trials."""
    for name in ("Snakefile", "workflow", "notebooks", "envs"):
        (path / name).symlink_to(REPO / name)
    for trial in trials:
        shutil.copytree(trial_folders / trial, path / "trials" / trial)
    (path / "config").mkdir()
    (path / "config" / "config.yaml").write_text(yaml.safe_dump({"trials": trials}), encoding="utf-8")
    return path


def snakemake(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / "snakemake"), "--directory", str(path), "--snakefile", str(path / "Snakefile"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def planned_jobs(path: Path) -> dict[str, int]:
    """Jobs per rule a build would run now (dry run)."""
    result = snakemake(path, "--dry-run", "--cores", "2")
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text[text.index("Job stats:") :].splitlines()[3:]
    jobs = {}
    for line in table:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs


@pytest.fixture(scope="module")
def built(tmp_path_factory, trial_folders) -> Path:
    path = workspace(tmp_path_factory.mktemp("build"), trial_folders, ["val", "val-noresp"])
    result = snakemake(path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return path


@pytest.mark.slow
def test_report_is_self_contained_with_scorecard_and_figures(built):
    html = (built / "results" / "val" / "report.html").read_text(encoding="utf-8")
    assert "Claims scorecard" in html
    counts = {status: int(n) for status, n in re.findall(r'class="badge"[^>]*>([a-z-]+): (\d+)<', html)}
    assert 'class="scorecard"' in html and counts.get("exact", 0) + counts.get("reproduced", 0) == 4, counts
    assert "simulated stand-ins" in html  # provenance synthetic: said in plain words at the top
    assert html.index("simulated stand-ins") < html.index("Claims scorecard")
    assert html.count("data:image/png;base64,") >= 3  # Figure 1, forest plot, QA figure
    assert "src=\"http" not in html and "<script" not in html
    assert "More than 3 positive nodes" in html


@pytest.mark.slow
def test_claims_csv_has_every_claim(built, trial_folders):
    for trial in ("val", "val-noresp"):
        spec = yaml.safe_load((trial_folders / trial / "trial.yaml").read_text(encoding="utf-8"))
        claims = pd.read_csv(built / "results" / trial / "claims.csv")
        assert list(claims["id"]) == [c["id"] for c in spec["claims"]]
        assert set(claims["status"]) <= {"exact", "reproduced", "differs", "input-only", "inconsistent"}


@pytest.mark.slow
@pytest.mark.parametrize("trial", ["val", "val-noresp"])  # from curve CSVs, and from the figure image
def test_validation_trial_regenerates_the_truth(built, trial):
    true = truth()
    stats = json.loads((built / "results" / trial / "stats" / "rfs.json").read_text())
    assert abs(stats["comparison"]["hazard_ratio"]["estimate"] - true["hr"]) <= HR_TOLERANCE
    intervals = stats["reconstruction_intervals"]
    for arm, median in true["median"].items():
        if trial == "val":
            assert abs(stats["arms"][arm]["median"]["estimate"] - median) <= MEDIAN_TOLERANCE
        else:  # the control arm's KM falls to 0.4994 at its median (50.2 months), a quarter pixel below one
            # half in the image, so the figure cannot pin it to 0.5 month: its reconstruction interval must hold it
            interval = intervals[f"arms.{arm}.median"]
            assert interval["lower"] <= median <= interval["upper"], (arm, median, interval)
    claims = pd.read_csv(built / "results" / trial / "claims.csv").set_index("id")
    assert claims.loc[["rfs_hr", "rfs_median_tamoxifen", "rfs_median_control"], "status"].isin(["exact", "reproduced"]).all()
    assert intervals["comparison.hazard_ratio"]["draws"] == 200 and intervals["comparison.hazard_ratio"]["reliable"]


@pytest.mark.slow
def test_response_stage_runs_only_for_trials_with_response(built):
    assert (built / "results" / "val" / "response.json").is_file()
    assert not (built / "results" / "val-noresp" / "response.json").exists()
    html = (built / "results" / "val-noresp" / "report.html").read_text(encoding="utf-8")
    assert "states no response rates" in html


@pytest.mark.slow
def test_image_endpoint_is_digitized_and_its_overlay_reported(built):
    results = built / "results" / "val-noresp"
    for arm in ARMS:
        curve = pd.read_csv(results / "digitized" / "rfs" / f"{arm}.csv")
        assert list(curve.columns) == ["time", "survival"] and curve["survival"].iloc[0] == 1.0
        assert (results / "digitized" / "rfs" / f"{arm}_censored.csv").is_file()
    report = json.loads((results / "digitized" / "rfs.json").read_text(encoding="utf-8"))
    assert set(report["arms"]) == set(ARMS) and report["calibration"]["x"]["residual_px"] < 1.5
    html = (results / "report.html").read_text(encoding="utf-8")
    assert 'alt="Curves digitized from the figure image of Recurrence-free survival"' in html
    assert (results / "benchmarks" / "digitize_rfs.tsv").is_file()


@pytest.mark.slow
def test_rebuild_reruns_only_what_changed(built):
    assert planned_jobs(built) == {}
    with open(built / "trials" / "val" / "digitized" / "rfs_control.csv", "a", encoding="utf-8") as curve:
        curve.write("\n")  # new content (Snakemake ignores a newer mtime of unchanged content)
    # provenance.json hashes the digitized files, so it is rewritten too (workflow/rules/provenance.smk).
    assert planned_jobs(built) == {"reconstruct": 1, "survival": 1, "claims": 1, "provenance": 1, "report": 1, "all": 1}
    # An edited claim reruns the claims table and the report, not the reconstructions (common.smk).
    path = built / "trials" / "val-noresp" / "trial.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Patients randomised", "Patients randomized"), encoding="utf-8")
    jobs = planned_jobs(built)
    assert jobs["claims"] == 2 and jobs["report"] == 2 and jobs["reconstruct"] == 1 and "response" not in jobs
    # A new figure image reruns its digitization and what depends on it.
    with open(built / "trials" / "val-noresp" / "figure_1a.png", "ab") as image:
        image.write(b"\0")  # after the PNG's end: the same picture, new content
    jobs = planned_jobs(built)
    assert jobs["digitize"] == 1 and jobs["reconstruct"] == 2 and jobs["survival"] == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "breakage, named",
    [
        ("missing_curve", "digitized/rfs_control.csv"),
        ("malformed_risk_table", "trials/val/digitized/rfs_control_at_risk.csv"),
        ("claim_unknown_endpoint", "trials/val/trial.yaml"),
        ("n_below_at_risk", "trials/val/digitized/rfs_control_at_risk.csv"),
        ("config_value", "--config: limit: 0 is less than the minimum of 1"),
    ],
)
def test_bad_input_stops_before_any_job(tmp_path, trial_folders, breakage, named):
    path = workspace(tmp_path, trial_folders, ["val"])
    trial = path / "trials" / "val"
    if breakage == "missing_curve":
        (trial / "digitized" / "rfs_control.csv").unlink()
    elif breakage == "malformed_risk_table":
        (trial / "digitized" / "rfs_control_at_risk.csv").write_text("time,n_at_risk\n0,440\n12,many\n", encoding="utf-8")
    elif breakage == "n_below_at_risk":
        text = (trial / "trial.yaml").read_text(encoding="utf-8")
        (trial / "trial.yaml").write_text(text.replace("n: 440", "n: 400"), encoding="utf-8")
    elif breakage == "claim_unknown_endpoint":
        text = (trial / "trial.yaml").read_text(encoding="utf-8")
        (trial / "trial.yaml").write_text(text.replace("stats/rfs.json#comparison", "stats/pfs.json#comparison"), encoding="utf-8")
    result = snakemake(path, "--cores", "2", *(["--config", "limit=0"] if breakage == "config_value" else []))
    assert result.returncode != 0
    assert named in result.stderr and "nothing was run" in result.stderr
    if breakage == "claim_unknown_endpoint":
        assert "unknown endpoint 'pfs'" in result.stderr
    if breakage == "n_below_at_risk":
        assert "N = 400 is smaller than the first number at risk" in result.stderr
    assert not (path / "results").exists()


@pytest.mark.slow
def test_failed_job_leaves_none_of_its_outputs(tmp_path, trial_folders):
    """A reconstruction that fails halfway (here: a notebook cell that raises) leaves no output behind."""
    path = workspace(tmp_path, trial_folders, ["val"])
    (path / "notebooks").unlink()
    shutil.copytree(REPO / "notebooks", path / "notebooks")
    notebook = nbformat.read(path / "notebooks" / "reconstruct.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("interrupted on purpose")'))
    nbformat.write(notebook, path / "notebooks" / "reconstruct.ipynb")
    result = snakemake(path, "--cores", "2")
    assert result.returncode != 0
    results = path / "results" / "val"
    assert "interrupted on purpose" in (results / "logs" / "reconstruct_rfs.log").read_text(encoding="utf-8")
    for output in ("ipd/rfs.csv", "diagnostics/rfs.json", "figures/qa_rfs.png", "notebooks/reconstruct_rfs.ipynb"):
        assert not (results / output).exists()
    assert not (results / "report.html").exists()


def test_lint_is_clean(tmp_path, trial_folders):
    path = workspace(tmp_path, trial_folders, ["val", "val-noresp"])
    result = snakemake(path, "--lint")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_snakemake_report_zip(built):
    result = snakemake(built, "--report", "results/report.zip")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (built / "results" / "report.zip").stat().st_size > 0

