"""``kmrepro digitize``: outputs on success; on bad input one line naming the file, exit 2, nothing written."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kmrepro.publish.kmfigure import draw_km_figure

ARMS = {
    "Drug + chemo": (np.array([2, 4, 4, 7, 9, 12, 15, 15, 18, 20] + [22] * 10, float), np.array([1] * 10 + [0] * 10)),
    "Placebo": (np.array([1, 3, 3, 5, 6, 8, 10, 11, 13, 16, 19] + [21] * 6, float), np.array([1] * 11 + [0] * 6)),
}


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kmrepro", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fig")
    drawn = draw_km_figure(ARMS, folder / "km.png", "ggplot", x_step=5)
    return folder / "km.png", drawn


def test_digitize_writes_each_arm_the_overlay_and_the_report(tmp_path, figure):
    path, drawn = figure
    (c1, _), (c2, _) = drawn.arms.values()
    result = run("digitize", "--image", str(path), "--x-ticks", "0:25:5", "--y-ticks", "0:100:25",
                 "--arm", f"Drug + chemo={c1}", "--arm", f"Placebo={c2}", "--out-dir", "out",
                 "--overlay", "qa.png", "--report", "diag.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    curve = pd.read_csv(tmp_path / "out" / "Drug + chemo.csv")
    assert list(curve.columns) == ["time", "survival"]
    assert curve.survival.iloc[0] == pytest.approx(100, abs=0.5)  # percent, as the y axis
    assert (np.diff(curve.survival) <= 0).all()
    assert list(pd.read_csv(tmp_path / "out" / "Placebo_censored.csv").columns) == ["time"]
    with Image.open(tmp_path / "qa.png") as overlay:
        assert overlay.size == Image.open(path).size
    diag = json.loads((tmp_path / "diag.json").read_text())
    assert set(diag["arms"]) == {"Drug + chemo", "Placebo"}
    assert diag["calibration"]["y"]["ticks"] == [0, 25, 50, 75, 100]


def test_reconstruct_reads_the_digitized_curve_as_is(tmp_path, figure):
    path, drawn = figure
    (c1, _), _ = drawn.arms.values()
    assert run("digitize", "--image", str(path), "--x-ticks", "0:25:5", "--y-ticks", "0:100:25",
               "--arm", f"Drug={c1}", "--out-dir", "out", cwd=tmp_path).returncode == 0
    times, counts = drawn.risk_tables["Drug + chemo"]
    pd.DataFrame({"time": times, "n_at_risk": counts}).to_csv(tmp_path / "risk.csv", index=False)
    result = run("reconstruct", "--curve", "out/Drug.csv", "--n", "20", "--at-risk", "risk.csv", "--out", "ipd.csv",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ipd = pd.read_csv(tmp_path / "ipd.csv")
    true_times = np.sort(ARMS["Drug + chemo"][0][:10])
    assert len(ipd) == 20 and ipd.event.sum() == 10
    assert np.abs(np.sort(ipd.time[ipd.event == 1].to_numpy()) - true_times).max() < 0.1


def test_arms_k_finds_the_colours(tmp_path, figure):
    path, drawn = figure
    result = run("digitize", "--image", str(path), "--x-ticks", "0:25:5", "--y-ticks", "0:100:25",
                 "--arms", "2", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("arm?.csv")) == ["arm1.csv", "arm2.csv"]
    found = {line.split("(")[1].split(",")[0] for line in result.stdout.splitlines() if line.startswith("arm")}
    assert found == {c.lower() for c, _ in drawn.arms.values()}


def _blank(path):
    Image.new("RGB", (400, 300), "white").save(path)


def _corrupt(path):
    data = (path.parent / "ok.png").read_bytes()
    path.write_bytes(data[: len(data) // 3])


BAD = {
    "unreadable image": (lambda p: p.write_bytes(b"not an image at all"), ["--arm", "A=red"], "cannot read the image"),
    "corrupt image": (_corrupt, ["--arm", "A=red"], "cannot read the image"),
    "missing image": (None, ["--arm", "A=red"], "image not found"),
    "no axes": (_blank, ["--arm", "A=red"], "no axes found"),
    "colour not in the plot": ("copy", ["--arm", "A=#00ff00"], "colour #00ff00 not found in the plot area"),
    "two arms on the same pixels": ("copy", ["--arm", "A=#F8766D", "--arm", "B=#F9776E"], "resolve to the same pixels"),
    "ticks that do not fit": ("copy", ["--arm", "A=#F8766D"], "do not fit the tick marks", ["--y-ticks", "0:100:20"]),
    "bad colour": ("copy", ["--arm", "A=nocolour"], "neither #RRGGBB nor a colour name"),
    "bad ticks": ("copy", ["--arm", "A=red"], "must be START:END:STEP", ["--x-ticks", "0:25"]),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, figure, case):
    make, arms, message, *ticks = BAD[case]
    target = tmp_path / "in.png"
    (tmp_path / "ok.png").write_bytes(figure[0].read_bytes())
    if make == "copy":
        target.write_bytes(figure[0].read_bytes())
    elif make is not None:
        make(target)
    options = {"--x-ticks": "0:25:5", "--y-ticks": "0:100:25"}
    for flag, value in zip(ticks[0][::2], ticks[0][1::2]) if ticks else []:
        options[flag] = value
    args = ["digitize", "--image", "in.png", *[x for kv in options.items() for x in kv], *arms,
            "--out-dir", "out", "--overlay", "qa.png", "--report", "diag.json"]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    if case not in ("bad colour", "bad ticks"):  # the others are about the image: they name it
        assert "in.png" in lines[0]
    assert not (tmp_path / "out").exists() and not (tmp_path / "qa.png").exists() and not (tmp_path / "diag.json").exists()


def test_censor_marks_place_the_censorings(tmp_path):
    """Marks drawn at the true censoring times: the reconstruction puts its censorings there."""
    from kmrepro.publish.kmfigure import with_style

    time = np.array([2, 3.5, 6, 7, 8.5, 11, 13.5, 16, 17.5, 19] + [22] * 6, float)  # no event at a tick
    event = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1] + [0] * 6)
    drawn = draw_km_figure({"A": (time, event)}, tmp_path / "km.png", with_style("matplotlib", censor_marker="|"), x_step=5)
    assert run("digitize", "--image", "km.png", "--x-ticks", "0:25:5", "--y-ticks", "0:1:0.2",
               "--arm", f"A={drawn.arms['A'][0]}", "--out-dir", "out", cwd=tmp_path).returncode == 0
    times, counts = drawn.risk_tables["A"]
    pd.DataFrame({"time": times, "n_at_risk": counts}).to_csv(tmp_path / "risk.csv", index=False)
    result = run("reconstruct", "--curve", "out/A.csv", "--n", "16", "--at-risk", "risk.csv",
                 "--censor-marks", "out/A_censored.csv", "--out", "ipd.csv", "--report", "diag.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ipd = pd.read_csv(tmp_path / "ipd.csv")
    censored = np.sort(ipd.time[(ipd.event == 0) & (ipd.time < 21)].to_numpy())
    assert np.abs(censored - [3.5, 7, 13.5, 17.5]).max() < 0.1
    assert json.loads((tmp_path / "diag.json").read_text())["censor_marks"]["marks"] >= 4


def test_bad_censor_marks_file(tmp_path):
    (tmp_path / "c.csv").write_text("time,survival\n0,1\n5,0.5\n")
    (tmp_path / "m.csv").write_text("when\n3\n")
    result = run("reconstruct", "--curve", "c.csv", "--n", "10", "--censor-marks", "m.csv", "--out", "ipd.csv",
                 cwd=tmp_path)
    assert result.returncode == 2 and "m.csv:row 1: missing columns" in result.stderr
    assert not (tmp_path / "ipd.csv").exists()
