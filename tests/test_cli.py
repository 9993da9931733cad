"""The command line: outputs on success; on bad input one line naming file and row, exit 2, no files."""

import json
import subprocess
import sys

import pandas as pd
import pytest

CURVE = "time,survival\n0,1\n1,1\n1,0.8\n2,0.8\n2,0.7\n4,0.7\n4,0.4\n5,0.4\n"
RISK = "time,n_at_risk\n0,10\n3,7\n5,4\n"


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kmrepro", *args], cwd=cwd, capture_output=True, text=True)


def test_reconstruct_writes_n_rows_and_diagnostics(tmp_path):
    (tmp_path / "curve.csv").write_text(CURVE)
    (tmp_path / "risk.csv").write_text(RISK)
    result = run("reconstruct", "--curve", "curve.csv", "--n", "10", "--at-risk", "risk.csv",
                 "--out", "ipd.csv", "--report", "diag.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ipd = pd.read_csv(tmp_path / "ipd.csv")
    assert list(ipd.columns) == ["time", "event"] and len(ipd) == 10 and ipd.event.sum() == 6
    diag = json.loads((tmp_path / "diag.json").read_text())
    assert [row["reconstructed"] for row in diag["at_risk"]] == [10, 7, 4]
    assert set(diag["curve_fit"]) == {"points", "rmse", "mean_abs_error", "max_abs_error"}


def test_webplotdigitizer_export_with_dataset(tmp_path):
    (tmp_path / "wpd.csv").write_text("Drug,,Placebo,\nX,Y,X,Y\n0,100,0,100\n2,80,1,60\n5,80,,\n")
    result = run("reconstruct", "--curve", "wpd.csv", "--dataset", "Drug", "--n", "10", "--out", "ipd.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "ipd.csv")) == 10


def test_repaired_oddities_are_warned_about_once(tmp_path):
    (tmp_path / "curve.csv").write_text("time,survival\n0,1.01\n1,0.9\n2,0.92\n3,0.8\n4,1.02\n")
    result = run("reconstruct", "--curve", "curve.csv", "--n", "20", "--out", "ipd.csv", cwd=tmp_path)
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == len(set(warnings)) == 2  # clipped values, removed rises: each said once


BAD = {
    "missing file": ({}, ["--curve", "nope.csv", "--n", "10"], "nope.csv: file not found"),
    "empty file": ({"c.csv": ""}, ["--curve", "c.csv", "--n", "10"], "c.csv: file is empty"),
    "missing columns": ({"c.csv": "t,surv\n0,1\n"}, ["--curve", "c.csv", "--n", "10"], "c.csv:row 1: missing columns"),
    "non-numeric": ({"c.csv": "time,survival\n0,1\n1,x\n"}, ["--curve", "c.csv", "--n", "10"], "c.csv:row 3: column 'survival': 'x' is not a number"),
    "negative time": ({"c.csv": "time,survival\n0,1\n-2,0.9\n5,0.5\n"}, ["--curve", "c.csv", "--n", "10"], "c.csv:row 3: negative time -2"),
    "survival above 1": ({"c.csv": "time,survival\n0,1\n1,1.2\n"}, ["--curve", "c.csv", "--n", "10"], "c.csv:row 3: survival 1.2 outside [0, 1]"),
    "percent above 100": ({"c.csv": "time,survival\n0,100\n1,120\n"}, ["--curve", "c.csv", "--n", "10"], "c.csv:row 3: survival 120 outside [0, 100] (percent)"),
    "rising risk table": ({"c.csv": CURVE, "r.csv": "time,n_at_risk\n0,10\n3,11\n"}, ["--curve", "c.csv", "--n", "10", "--at-risk", "r.csv"], "r.csv:row 3: number at risk rises over time"),
    "N below first at risk": ({"c.csv": CURVE, "r.csv": RISK}, ["--curve", "c.csv", "--n", "8", "--at-risk", "r.csv"], "r.csv:row 2: N = 8 is smaller than the first number at risk (10 at time 0)"),
    "unknown dataset": ({"w.csv": "Drug,,Placebo,\nX,Y,X,Y\n0,1,0,1\n"}, ["--curve", "w.csv", "--dataset", "Other", "--n", "10"], "w.csv:row 1: dataset 'Other' not found; the file has: 'Drug', 'Placebo'"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, case):
    files, args, message = BAD[case]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run("reconstruct", *args, "--out", "ipd.csv", "--report", "diag.json", cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {message}")
    assert not (tmp_path / "ipd.csv").exists() and not (tmp_path / "diag.json").exists()
