"""Calibration of the reconstruction intervals on round trips from real individual patient data.

For each two-arm data set (the round-trip benchmark's: kmdata sets and packaged trials, see
benchmarks/roundtrip.py): digitize both arms, either by simulated clicks (kmrepro.reconstruct.simulate;
noise then estimated from their scatter) or, with ``--image``, by drawing the figure
(kmrepro.publish.kmfigure) and reading it back with kmrepro.ingest.digitize (noise: pixel_noise of its
calibration, as the workflow does for image endpoints); compute the reconstruction intervals and check
whether the true value (the statistic of the real IPD) lies inside. Reports, per statistic and with /
without a risk table: coverage of the 95 % interval, median width relative to the statistic's own 95 %
CI (from the true IPD), and time per endpoint.

Usage: ``python benchmarks/intervals.py [--sample 60] [--draws 200] [--table both] [--image STYLES]
[--noise-scale 1.0 ...]``; ``--stability``: interval ends at 50/100/200/400 draws on a few sets;
``--censoring-prior``: fit CENSORING_PRIOR to the kmdata sets outside the sample; ``--offset 1 --refit-prior``:
held-out check on the sets ``--offset 0`` leaves out, with a prior fitted to the others.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from kmrepro.analysis.km import km_at
from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.errors import InputError
from kmrepro.ingest.digitize import digitize_image
from kmrepro.ingest.digitize.ticks import Ticks
from kmrepro.publish.kmfigure import STYLES, draw_km_figure
from kmrepro.reconstruct.guyot import CensoringPrior
from kmrepro.reconstruct.intervals import (
    CENSOR_SHAPE, CENSORING_PRIOR, DEFAULT_DRAWS, IMAGE_NOISE_PX, NOISE_SCALE, ROUNDING_SPREAD, SURVIVAL_NOISE_SCALE, TAIL_SHAPE,
    ArmDigitization, draw_statistics, pixel_noise, reconstruction_intervals,
)
from kmrepro.reconstruct.simulate import Figure, digitize
from digitize import arm_specs
from roundtrip import kmdata_datasets, packaged_datasets

#: statistic family -> how to find its key and its own CI in the stats JSON
FAMILIES = ("hazard_ratio", "median", "survival")


def family(key: str) -> str | None:
    if key == "comparison.hazard_ratio":
        return "hazard_ratio"
    if key.endswith(".median"):
        return "median"
    if ".survival." in key:
        return "survival"
    return None


def node(stats: dict, key: str):
    """The stats-JSON node at a dotted key; names with dots of their own (a landmark such as 12.5, an arm
    called 1.0) are matched whole: at each level the longest run of parts that is a key."""
    parts = key.split(".")
    while parts:
        n = next(n for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in stats)
        stats, parts = stats[".".join(parts[:n])], parts[n:]
    return stats


def landmark(frame: pd.DataFrame) -> float:
    """A landmark inside every arm's follow-up: half the shorter arm's last time."""
    return float(round(0.5 * frame.groupby("arm").time.max().min(), 6))


def clicked_arms(name: str, frame: pd.DataFrame, seed: int, figure: Figure, use_table: bool) -> dict[str, ArmDigitization]:
    """Each arm as a careful person clicks it (kmrepro.reconstruct.simulate); noise left to be estimated."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    arms = {}
    for arm, g in frame.groupby("arm"):
        curve, table = digitize(g.time.to_numpy(), g.event.to_numpy(), rng, figure)
        arms[arm] = ArmDigitization(
            DigitizedCurve(curve.time.to_numpy(), curve.survival.to_numpy(), name, "proportion"), len(g),
            RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), name) if use_table else None,
        )
    return arms


def image_arms(name: str, frame: pd.DataFrame, style: str, folder: Path, use_table: bool,
               image_noise_px: float) -> dict[str, ArmDigitization]:
    """Each arm read by kmrepro.ingest.digitize off a figure drawn in ``style``, with the noise the workflow
    gives image endpoints (pixel_noise of the calibration); the risk table is the one drawn under the figure."""
    arms = {a: (g.time.to_numpy(), g.event.to_numpy()) for a, g in frame.groupby("arm")}
    path = folder / f"figure.{'jpg' if STYLES[style].jpeg_quality else 'png'}"
    drawn = draw_km_figure(arms, path, style)
    found = digitize_image(path, Ticks(*drawn.x_ticks), Ticks(*drawn.y_ticks), arm_specs(drawn, style))
    noise = pixel_noise(found.report()["calibration"], image_noise_px)
    scale = drawn.y_ticks[1]
    out = {}
    for arm in found.arms:
        times, counts = drawn.risk_tables[arm.name]
        out[arm.name] = ArmDigitization(
            DigitizedCurve(arm.points.time.to_numpy(), arm.points.survival.to_numpy() / scale, name, "proportion"),
            len(arms[arm.name][0]), RiskTable(times, counts, name) if use_table else None, noise=noise,
        )
    return out


def one_set(name: str, frame: pd.DataFrame, arms: dict[str, ArmDigitization], seed: int, draws: int,
            knobs: dict | None = None) -> tuple[list[dict], float]:
    """Coverage rows of one data set digitized as ``arms``; ``knobs``: keyword arguments of
    reconstruction_intervals (the noise model)."""
    truth_ipd = {a: (g.time.to_numpy(), g.event.to_numpy()) for a, g in frame.groupby("arm")}
    reference = sorted(arms)[0]
    marks = [landmark(frame)]
    truth = draw_statistics(truth_ipd, reference, marks)
    stats = analyse_endpoint(frame, sorted(arms), reference, marks, max(marks), name, "x", "t")
    start = time.perf_counter()
    intervals = reconstruction_intervals(arms, reference, marks, draws=draws, seed=seed, **(knobs or {}))
    seconds = time.perf_counter() - start
    rows = []
    for key, iv in intervals.items():
        fam = family(key)
        true = truth.get(key)
        if fam is None or true is None or iv["lower"] is None:
            continue
        upper = np.inf if iv["upper"] is None else iv["upper"]
        slack = 1e-9 * max(abs(true), 1.0)  # a zero-width interval on the truth covers it
        own = node(stats, key)
        own_width = None if own["lower"] is None or own["upper"] is None else own["upper"] - own["lower"]
        rows.append({
            "dataset": name, "statistic": fam, "key": key, "true": true,
            "lower": iv["lower"], "upper": upper, "covered": iv["lower"] - slack <= true <= upper + slack,
            "relative_width": (upper - iv["lower"]) / own_width if own_width else np.nan,
            "failed": iv["failed"], "events": int(frame.event.sum()), "n": len(frame),
            "arm_n": int((frame.arm == key.split(".")[1]).sum()) if key.startswith("arms.") else np.nan,
        })
    return rows, seconds


def follow_up_moments(time: np.ndarray, event: np.ndarray) -> tuple[float, float]:
    """Mean and variance of an arm's potential follow-up over its last time: the reverse Kaplan-Meier (censoring
    as the event), whatever it leaves beyond the last time placed there."""
    x = time / time.max()
    at = np.unique(x)
    still = km_at(x, 1 - event, at)
    mass = -np.diff(np.concatenate([[1.0], still]))
    mass[-1] += still[-1]
    mean = float(np.sum(mass * at))
    return mean, float(np.sum(mass * at**2)) - mean**2


def _shared_and_own(values: pd.Series) -> tuple[float, float]:
    """SDs of the part two arms of a trial share (their covariance) and of each arm's own part (the rest)."""
    pairs = values.groupby(level=0).filter(lambda g: len(g) == 2).groupby(level=0)
    centred = (pairs.first() - values.mean(), pairs.last() - values.mean())
    shared = max(float(np.mean(centred[0] * centred[1])), 0.0)
    return np.sqrt(shared), np.sqrt(max(float(values.var()) - shared, 0.0))


def fit_censoring_prior(datasets: dict[str, pd.DataFrame], min_censored: int = 10) -> tuple[CensoringPrior, pd.DataFrame]:
    """Potential follow-up across real arms: each arm's reverse Kaplan-Meier over its last time, summarised by its
    Beta moments (mean m, concentration k = m(1 - m) / var - 1); logit m and log k each get a mean and the SDs of a
    part the two arms of a trial share and a part of each arm's own. Arms with fewer than ``min_censored``
    censorings are skipped. Returns the prior and the arms it was fitted to (logit m, log k, last survival)."""
    rows = []
    for name, frame in datasets.items():
        for _, g in frame.groupby("arm"):
            t, e = g.time.to_numpy(float), g.event.to_numpy(int)
            if np.sum(e == 0) >= min_censored:
                m, v = follow_up_moments(t, e)
                rows.append({"dataset": name, "logit_m": np.log(m / (1 - m)), "log_k": np.log(m * (1 - m) / v - 1),
                             "end_survival": km_at(t, e, np.array([t.max()]))[0]})
    arms = pd.DataFrame(rows).set_index("dataset")
    sd = {key: tuple(round(float(x), 2) for x in _shared_and_own(arms[key])) for key in ("logit_m", "log_k")}
    return CensoringPrior(logit_mean=round(float(arms.logit_m.mean()), 2), logit_mean_sd=sd["logit_m"],
                          log_concentration=round(float(arms.log_k.mean()), 2), log_concentration_sd=sd["log_k"]), arms


def stability(datasets: dict[str, pd.DataFrame], seed: int, figure: Figure, counts=(50, 100, 200, 400)) -> pd.DataFrame:
    """Interval ends of each statistic against the number of draws (relative to 400 draws' width)."""
    rows = []
    for name, frame in datasets.items():
        ends = {}
        for draws in counts:
            found, _ = one_set(name, frame, clicked_arms(name, frame, seed, figure, True), seed, draws)
            ends[draws] = {r["key"]: (r["lower"], r["upper"]) for r in found}
        ref = ends[counts[-1]]
        for draws in counts[:-1]:
            for key, (lo, hi) in ends[draws].items():
                if key in ref and np.isfinite(ref[key][1]) and np.isfinite(hi) and ref[key][1] > ref[key][0]:
                    width = ref[key][1] - ref[key][0]
                    rows.append({"draws": draws, "dataset": name, "key": key,
                                 "end_shift": max(abs(lo - ref[key][0]), abs(hi - ref[key][1])) / width})
    return pd.DataFrame(rows).groupby("draws").end_shift.describe(percentiles=[0.5, 0.9])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--sample", type=int, default=60, help="kmdata sets, every k-th by name (0: all)")
    parser.add_argument("--offset", type=int, default=0, help="start the every-k-th sample at this set (held-out "
                        "checks: --sample 150 --offset 1 takes the sets --offset 0 leaves out)")
    parser.add_argument("--refit-prior", action="store_true", help="use a censoring prior fitted to the kmdata sets "
                        "outside this sample instead of CENSORING_PRIOR (held-out checks)")
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    parser.add_argument("--noise-px", type=float, default=Figure.noise_px, help="simulated click noise (px)")
    parser.add_argument("--noise-scale", type=float, default=NOISE_SCALE, help="on the time axis's noise")
    parser.add_argument("--survival-noise-scale", type=float, default=SURVIVAL_NOISE_SCALE)
    parser.add_argument("--rounding-spread", type=float, default=ROUNDING_SPREAD)
    parser.add_argument("--censor-shape", type=float, default=CENSOR_SHAPE)
    parser.add_argument("--tail-shape", type=float, default=TAIL_SHAPE)
    parser.add_argument("--table", choices=("yes", "no", "both"), default="both", help="with / without risk tables")
    parser.add_argument("--no-censoring-prior", action="store_true",
                        help="without a risk table, draw the censoring pattern as after a table (tail shape)")
    parser.add_argument("--image", help="digitize figures drawn in these kmfigure styles (comma-separated, one per "
                        "data set in turn) instead of simulating clicks")
    parser.add_argument("--image-noise-px", type=float, default=IMAGE_NOISE_PX, help="noise of an image corner (px)")
    parser.add_argument("--stability", action="store_true")
    parser.add_argument("--censoring-prior", action="store_true",
                        help="fit the prior of potential follow-up (CENSORING_PRIOR) to the kmdata sets outside the sample")
    parser.add_argument("--out", type=Path, help="write the per-statistic rows here (CSV)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    kmdata = kmdata_datasets(args.shared, None)
    names = sorted(kmdata)
    if args.sample:
        names = names[args.offset :: max(len(names) // args.sample, 1)][: args.sample]
    outside = {n: f for n, f in kmdata.items() if n not in names}
    if args.censoring_prior:
        prior, fitted = fit_censoring_prior(outside)
        print(f"{prior}, fitted to {len(fitted)} arms (>= 10 censorings) of the {len(outside)} kmdata sets outside "
              f"the sample; their mean potential follow-up / last time, 5th-95th percentile: "
              f"{np.quantile(1 / (1 + np.exp(-fitted.logit_m)), [0.05, 0.95]).round(2)}; correlation of its logit "
              f"with the curve's last survival: {np.corrcoef(fitted.logit_m, fitted.end_survival)[0, 1]:.2f}")
        return
    datasets = {n: f.assign(time=f.time.astype(float), event=f.event.astype(int), arm=f.arm.astype(str))
                for n, f in (packaged_datasets() | {n: kmdata[n] for n in names}).items()}
    figure = Figure(noise_px=args.noise_px)
    knobs = dict(noise_scale=args.noise_scale, survival_noise_scale=args.survival_noise_scale,
                 rounding_spread=args.rounding_spread, censor_shape=args.censor_shape,
                 tail_shape=args.tail_shape,
                 censoring_prior=None if args.no_censoring_prior
                 else fit_censoring_prior(outside)[0] if args.refit_prior else CENSORING_PRIOR)
    if args.stability:
        print(stability(dict(list(datasets.items())[:8]), args.seed, figure).round(3).to_string())
        return
    styles = args.image.split(",") if args.image else []
    rows, times, refused = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for use_table in {"yes": (True,), "no": (False,), "both": (True, False)}[args.table]:
            for k, (name, frame) in enumerate(datasets.items()):
                if styles:
                    try:
                        arms = image_arms(name, frame, styles[k % len(styles)], Path(folder), use_table, args.image_noise_px)
                    except InputError as err:
                        refused.append(f"{name}: {err}")
                        continue
                else:
                    arms = clicked_arms(name, frame, args.seed, figure, use_table)
                found, seconds = one_set(name, frame, arms, args.seed, args.draws, knobs)
                rows += [r | {"risk_table": use_table, "style": styles[k % len(styles)] if styles else "clicks"}
                         for r in found]
                times.append(seconds)
    table = pd.DataFrame(rows)
    summary = table.groupby(["risk_table", "statistic"]).agg(
        coverage=("covered", "mean"), statistics=("covered", "size"),
        median_relative_width=("relative_width", "median"), failed_draws=("failed", "sum"),
    )
    pd.set_option("display.width", 200)
    source = f"figures ({args.image}) read by kmrepro.ingest.digitize, image noise {args.image_noise_px} px" if styles \
        else f"simulated clicks, click noise {args.noise_px} px"
    print(f"{len(datasets)} data sets, {args.draws} draws, {source}, "
          + ", ".join(f"{k} {v}" for k, v in knobs.items()))
    print(summary.round(3).to_string())
    print(f"overall coverage {table.covered.mean():.3f}")
    survival = table[table.statistic == "survival"]
    if len(survival):  # small arms are covered more often: their survival moves in whole-patient steps
        quarters = pd.qcut(survival.arm_n, 4)
        print("landmark survival coverage by quarter of arm size:")
        print(survival.groupby(["risk_table", quarters], observed=True).covered.agg(["mean", "size"]).round(3).to_string())
    print(f"time per endpoint: median {np.median(times):.2f} s, max {np.max(times):.2f} s")
    if refused:
        print(f"{len(refused)} figures refused by the digitizer:", *refused, sep="\n  ")
    missed = table[~table.covered]
    if len(missed):
        print("\nmissed (first 15):")
        print(missed.head(15).to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
