"""Benchmark of the automatic digitizer on KM figures drawn from real individual patient data.

For every data set and figure style (kmrepro.publish.kmfigure: matplotlib defaults, lifelines,
survminer-like with risk table and + marks, base-R boxed, ggplot grey grid, three arms, JPEG q70,
600x420 px with 1 px lines, black solid/dashed): draw the true KM curves, digitize the image with
only what a reader would type (ticks, colours), and compare with the truth:

* RMSE and largest error of S(t) at 100 equally spaced times over each arm's follow-up
  (SurvdigitizeR's measure);
* the chain |delta log HR|: reconstruct each arm (kmrepro.api.reconstruct_arm, the true risk table at
  the axis ticks) and fit Cox, against the Cox fit of the true IPD; for figures with censor marks,
  also with the censorings placed at the marks found (``censor_marks=``) instead of spread evenly;
* the time to digitize one figure (one core, in process);
* each arm's last level against the true KM's at its last time: arms ending at zero (the last
  observation an event) read to zero, and other arms read off their last level (a false final drop);
* for scale, the RMSE of the true KM with its corners moved to the centres of the image pixels they
  fall in, by the tick calibration (the figure's own resolution, which no reading of the image can
  beat by much);
* the RMSE of the curves read through the figure's exact pixel map instead of its tick marks
  (matplotlib snaps tick marks up to a pixel off their place, lines by other rules): how much of the
  error is the drawing's tick offset rather than the reading of the curves.

Data: lifelines and scikit-survival trials (two arms; GBSG2 by grade, veterans by cell type and lung
by ECOG for three arms) and a sample of the kmdata sets in ``../shared/reference/kmdata``.

With ``--figures DIR``, the same measures on figures drawn by R instead (survminer, base graphics,
ggplot2; ``Rscript benchmarks/r_figures/make_figures.R DIR`` draws them, with a JSON per figure of
what a reader types and the true IPD): the digitizer is not tuned to one renderer.

Usage: ``python benchmarks/digitize.py [--kmdata 20] [--styles a,b] [--figures DIR] [--out results/digitize_bench]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from roundtrip import kmdata_datasets, log_hr, packaged_datasets  # noqa: E402

from kmrepro.analysis.km import km_at  # noqa: E402
from kmrepro.api import reconstruct_arm  # noqa: E402
from kmrepro.errors import InputError  # noqa: E402
from kmrepro.ingest.digitize import ArmSpec, digitize_image, parse_colour, survival_at  # noqa: E402
from kmrepro.ingest.digitize.ticks import Ticks  # noqa: E402
from kmrepro.ingest.readers import DigitizedCurve, RiskTable  # noqa: E402
from kmrepro.publish.kmfigure import STYLES, DrawnFigure, draw_km_figure, km_steps, numbers_at_risk  # noqa: E402

GRID_POINTS = 100


def three_arm_datasets() -> dict[str, pd.DataFrame]:
    from lifelines.datasets import load_gbsg2, load_lung
    from sksurv.datasets import load_veterans_lung_cancer

    g = load_gbsg2()
    sets = {"lifelines GBSG2 by grade": pd.DataFrame({"arm": g.tgrade.astype(str), "time": g.time, "event": g.cens})}
    g = load_lung().dropna(subset=["ph.ecog"])
    g = g[g["ph.ecog"] <= 2]
    sets["lifelines lung by ECOG"] = pd.DataFrame({"arm": "ECOG " + g["ph.ecog"].astype(int).astype(str),
                                                   "time": g.time, "event": g.status})
    x, y = load_veterans_lung_cancer()
    frame = pd.DataFrame({"arm": x["Celltype"].astype(str), "time": y["Survival_in_days"], "event": y["Status"].astype(int)})
    sets["sksurv veterans by cell type"] = frame[frame.arm.isin(sorted(frame.arm.unique())[:3])]
    return sets


def sample_kmdata(shared: Path, count: int) -> dict[str, pd.DataFrame]:
    """``count`` kmdata sets spread evenly over the sorted names (deterministic)."""
    if count <= 0 or not (shared / "reference" / "kmdata").is_dir():
        return {}
    every = kmdata_datasets(shared, None)
    names = sorted(every)
    picked = [names[i] for i in np.linspace(0, len(names) - 1, count).round().astype(int)]
    return {n: every[n] for n in dict.fromkeys(picked)}


def error_at_grid(points: pd.DataFrame, scale: float, time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Digitized minus true S(t) at GRID_POINTS times over the arm's follow-up."""
    grid = np.linspace(0, time.max(), GRID_POINTS)
    return survival_at(points, grid) / scale - km_at(time, event, grid)


def arm_specs(drawn: DrawnFigure) -> list[ArmSpec]:
    """What a reader types for each arm of a drawn figure: its colour, and its line style if the colour is shared."""
    colours = [c.lower() for c, _ in drawn.arms.values()]
    return [ArmSpec(a, parse_colour(c), s if colours.count(c.lower()) > 1 else None)
            for a, (c, s) in drawn.arms.items()]


def pixel_rounded(time: np.ndarray, event: np.ndarray, result, scale: float) -> pd.DataFrame:
    """The true KM with every corner moved to the centre of the image pixel it falls in, by the tick
    calibration found: what a figure of this resolution can show at best (a renderer that snaps lines
    to pixels draws exactly this, and no reading can undo it)."""
    x, y = km_steps(time, event)
    xc, yc = result.x_calibration, result.y_calibration
    return pd.DataFrame({"time": xc.to_value(np.round(xc.to_px(x))),
                         "survival": yc.to_value(np.round(yc.to_px(y * scale))) / scale})


def through_pixel_map(points: pd.DataFrame, result, pixel_map) -> pd.DataFrame:
    """The digitized corners taken back to pixels by the tick calibration and read through the
    figure's exact pixel map instead."""
    (xi, xs), (yi, ys) = pixel_map
    return pd.DataFrame({"time": (result.x_calibration.to_px(points.time) - xi) / xs,
                         "survival": (result.y_calibration.to_px(points.survival) - yi) / ys})


def true_arms(frame: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {str(a): (g.time.to_numpy(float), g.event.to_numpy(int)) for a, g in frame.groupby("arm")}


def one_figure(name: str, frame: pd.DataFrame, style: str, folder: Path) -> tuple[list[dict], dict]:
    """Draw one matplotlib figure of ``frame`` in ``style`` and score its digitization."""
    path = folder / f"figure.{'jpg' if STYLES[style].jpeg_quality else 'png'}"
    return score_figure(name, frame, style, path, draw_km_figure(true_arms(frame), path, style))


def r_figures(folder: Path) -> list[tuple[str, pd.DataFrame, str, Path, DrawnFigure]]:
    """The figures drawn by ``benchmarks/r_figures/make_figures.R`` into ``folder``: per figure its data
    set, true IPD, style, image and what a reader types (from its JSON), in the DrawnFigure form."""
    figures = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        frame = pd.read_csv(folder / meta["ipd"], dtype={"arm": str})
        x_ticks = Ticks(*(float(v) for v in meta["x_ticks"].split(":")))
        drawn = DrawnFigure(
            x_ticks=(x_ticks.start, x_ticks.end, x_ticks.step),
            y_ticks=tuple(float(v) for v in meta["y_ticks"].split(":")),
            arms={a["name"]: (a["colour"], a["style"]) for a in meta["arms"]},
            risk_tables={a: numbers_at_risk(t, x_ticks.values) for a, (t, _) in true_arms(frame).items()})
        figures.append((meta["dataset"], frame, meta["style"], folder / meta["image"], drawn))
    return figures


def score_figure(name: str, frame: pd.DataFrame, style: str, path: Path, drawn: DrawnFigure) -> tuple[list[dict], dict]:
    """Digitize the figure at ``path`` with what a reader types (``drawn``) and compare with the IPD."""
    arms = true_arms(frame)
    specs = arm_specs(drawn)
    start = time.perf_counter()
    try:
        result = digitize_image(path, Ticks(*drawn.x_ticks), Ticks(*drawn.y_ticks), specs)
    except InputError as err:
        return [], {"dataset": name, "style": style, "error": str(err).split(": ", 1)[-1]}
    seconds = time.perf_counter() - start
    scale = drawn.y_ticks[1]
    arm_rows, rebuilt, with_marks = [], [], []
    for arm in result.arms:
        t, e = arms[arm.name]
        err = error_at_grid(arm.points, scale, t, e)
        times, counts = drawn.risk_tables[arm.name]
        rec = reconstruct_arm(
            DigitizedCurve(arm.points.time.to_numpy(), arm.points.survival.to_numpy() / scale, name, "proportion"),
            len(t), RiskTable(times, counts, name))
        rebuilt.append(rec.ipd.assign(arm=arm.name))
        marked = reconstruct_arm(
            DigitizedCurve(arm.points.time.to_numpy(), arm.points.survival.to_numpy() / scale, name, "proportion"),
            len(t), RiskTable(times, counts, name), censor_marks=arm.censored) if len(arm.censored) else rec
        with_marks.append(marked.ipd.assign(arm=arm.name))
        floor = pixel_rounded(t, e, result, scale)
        # Figures drawn elsewhere (R) have no known pixel map: only the ticks say where values are.
        own_map = (float(np.sqrt(np.mean(error_at_grid(through_pixel_map(arm.points, result, drawn.pixel_map), scale, t, e) ** 2)))
                   if drawn.pixel_map else np.nan)
        arm_rows.append({"dataset": name, "style": style, "arm": arm.name, "n": len(t),
                         "rmse": float(np.sqrt(np.mean(err ** 2))), "max_error": float(np.abs(err).max()),
                         "rmse_pixel_rounded": float(np.sqrt(np.mean(error_at_grid(floor, 1.0, t, e) ** 2))),
                         "rmse_own_map": own_map,
                         "censor_marks": len(arm.censored), "censored": int(len(np.unique(t[e == 0]))),
                         "last_level": float(arm.points.survival.iloc[-1] / scale),
                         "true_last_level": float(km_at(t, e, np.array([t.max()]))[0])})
    reference = sorted(arms)[0]

    def chain_error(ipd: pd.DataFrame) -> float:
        return float(np.mean([abs(log_hr(ipd[ipd.arm.isin([reference, a])]) - log_hr(frame[frame.arm.isin([reference, a])]))
                              for a in sorted(arms)[1:]]))

    marks = sum(len(a.censored) for a in result.arms)
    return arm_rows, {"dataset": name, "style": style, "arms": len(arms), "abs_dlog_hr": chain_error(pd.concat(rebuilt)),
                      "abs_dlog_hr_marks": chain_error(pd.concat(with_marks)) if marks else np.nan,
                      "censor_marks": marks, "seconds": seconds, "error": ""}


def summarise(arms: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for style, f in figures.groupby("style", sort=False):
        a = arms[arms["style"] == style]
        ok = f[f.error == ""]
        rows.append({"style": style, "figures": len(f), "refused": int((f.error != "").sum()),
                     "mean RMSE": a.rmse.mean(), "worst RMSE": a.rmse.max(), "mean max err": a.max_error.mean(),
                     "mean RMSE, true KM at whole pixels": a.rmse_pixel_rounded.mean(),
                     "mean, worst RMSE via pixel map": f"{a.rmse_own_map.mean():.4f}, {a.rmse_own_map.max():.4f}",
                     "worst max err": a.max_error.max(), "mean |dlogHR|": ok.abs_dlog_hr.mean(),
                     "worst |dlogHR|": ok.abs_dlog_hr.max(),
                     "|dlogHR| marked figs, spread": ok.abs_dlog_hr[ok.censor_marks > 0].mean(),
                     "|dlogHR| marked figs, at marks": ok.abs_dlog_hr_marks.mean(),
                     "s/figure median": ok.seconds.median(),
                     "s/figure max": ok.seconds.max()})
    table = pd.DataFrame(rows).set_index("style")
    ok = figures[figures.error == ""]
    table.loc["all"] = [len(figures), int((figures.error != "").sum()), arms.rmse.mean(), arms.rmse.max(),
                        arms.max_error.mean(), arms.rmse_pixel_rounded.mean(),
                        f"{arms.rmse_own_map.mean():.4f}, {arms.rmse_own_map.max():.4f}", arms.max_error.max(),
                        ok.abs_dlog_hr.mean(), ok.abs_dlog_hr.max(),
                        ok.abs_dlog_hr[ok.censor_marks > 0].mean(), ok.abs_dlog_hr_marks.mean(),
                        ok.seconds.median(), ok.seconds.max()]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--kmdata", type=int, default=20, help="how many kmdata sets to sample (0: none)")
    parser.add_argument("--styles", default=",".join(STYLES), help="comma-separated styles")
    parser.add_argument("--figures", type=Path, help="score the figures drawn by benchmarks/r_figures/make_figures.R "
                        "into this folder instead of drawing matplotlib ones")
    parser.add_argument("--out", type=Path, help="write the per-arm and per-figure tables here (CSV prefix)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    arm_rows, figure_rows = [], []
    if args.figures:
        for figure in r_figures(args.figures):
            a, f = score_figure(*figure)
            arm_rows += a
            figure_rows.append(f)
    else:
        two_arm = packaged_datasets() | sample_kmdata(args.shared, args.kmdata)
        with tempfile.TemporaryDirectory() as folder:
            for style in args.styles.split(","):
                sets = three_arm_datasets() if style == "three-arms" else two_arm
                for name, frame in sets.items():
                    a, f = one_figure(name, frame.assign(arm=frame.arm.astype(str)), style, Path(folder))
                    arm_rows += a
                    figure_rows.append(f)
    arms, figures = pd.DataFrame(arm_rows), pd.DataFrame(figure_rows)
    pd.set_option("display.width", 220)
    pd.set_option("display.max_columns", 20)
    print(f"{len(figures)} figures, {len(arms)} arms\n")
    print(summarise(arms, figures).round(4).to_string())
    to_zero = arms.true_last_level == 0
    print(f"\nArms ending at zero (last observation an event) read to zero: {(arms.last_level[to_zero] == 0).sum()} "
          f"of {to_zero.sum()}; other arms whose last level is off by more than 0.01: "
          f"{((arms.last_level - arms.true_last_level).abs()[~to_zero] > 0.01).sum()} of {(~to_zero).sum()}")
    print("\nWorst arms by RMSE:")
    print(arms.nlargest(8, "rmse").round(4).to_string(index=False))
    print("\nWorst figures by chain |dlogHR|:")
    print(figures[figures.error == ""].nlargest(5, "abs_dlog_hr").round(4).to_string(index=False))
    refused = figures[figures.error != ""]
    if len(refused):
        print("\nRefused figures:")
        print(refused[["dataset", "style", "error"]].to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        arms.to_csv(f"{args.out}.arms.csv", index=False)
        figures.to_csv(f"{args.out}.figures.csv", index=False)


if __name__ == "__main__":
    main()
