"""Calibration of the reconstruction intervals on round trips from real individual patient data.

For each two-arm data set (the round-trip benchmark's: kmdata sets and packaged trials, see
benchmarks/roundtrip.py): simulate a digitization of both arms (kmrepro.reconstruct.simulate),
compute the reconstruction intervals from the clicks alone (noise estimated from their scatter), and
check whether the true value (the statistic of the real IPD) lies inside. Reports, per statistic and
with / without a risk table: coverage of the 95 % interval, median width relative to the statistic's
own 95 % CI (from the true IPD), and time per endpoint.

Usage: ``python benchmarks/intervals.py [--sample 60] [--draws 200] [--noise-scale 1.0]
[--stability]`` (``--stability``: interval ends at 50/100/200/400 draws on a few sets).
"""

from __future__ import annotations

import argparse
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.reconstruct.intervals import (
    DEFAULT_DRAWS, NOISE_SCALE, ROUNDING_SPREAD, CENSOR_SHAPE, TAIL_SHAPE, ArmDigitization, draw_statistics, reconstruction_intervals,
)
from kmrepro.reconstruct.simulate import Figure, digitize
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
    """The stats-JSON node at a dotted key (a landmark such as 12.5 keeps its dot)."""
    parts = key.split(".")
    if len(parts) > 3 and parts[2] == "survival":
        parts = [*parts[:3], ".".join(parts[3:])]
    for part in parts:
        stats = stats[part]
    return stats


def landmark(frame: pd.DataFrame) -> float:
    """A landmark inside every arm's follow-up: half the shorter arm's last time."""
    return float(round(0.5 * frame.groupby("arm").time.max().min(), 6))


def one_set(name: str, frame: pd.DataFrame, seed: int, figure: Figure, draws: int, use_table: bool,
            noise_scale: float = NOISE_SCALE, rounding_spread: float = ROUNDING_SPREAD,
            censor_shape: float = CENSOR_SHAPE, tail_shape: float = TAIL_SHAPE) -> tuple[list[dict], float]:
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    frame = frame.assign(time=frame.time.astype(float), event=frame.event.astype(int),
                         arm=frame.arm.astype(str))
    arms, truth_ipd = {}, {}
    for arm, g in frame.groupby("arm"):
        t, e = g.time.to_numpy(), g.event.to_numpy()
        curve, table = digitize(t, e, rng, figure)
        arms[arm] = ArmDigitization(
            DigitizedCurve(curve.time.to_numpy(), curve.survival.to_numpy(), name, "proportion"), len(g),
            RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), name) if use_table else None,
        )
        truth_ipd[arm] = (t, e)
    reference = sorted(arms)[0]
    marks = [landmark(frame)]
    truth = draw_statistics(truth_ipd, reference, marks)
    stats = analyse_endpoint(frame, sorted(arms), reference, marks, max(marks), name, "x", "t")
    start = time.perf_counter()
    intervals = reconstruction_intervals(arms, reference, marks, draws=draws, seed=seed,
                                         noise_scale=noise_scale, rounding_spread=rounding_spread,
                                         censor_shape=censor_shape, tail_shape=tail_shape)
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
        })
    return rows, seconds


def stability(datasets: dict[str, pd.DataFrame], seed: int, figure: Figure, counts=(50, 100, 200, 400)) -> pd.DataFrame:
    """Interval ends of each statistic against the number of draws (relative to 400 draws' width)."""
    rows = []
    for name, frame in datasets.items():
        ends = {}
        for draws in counts:
            found, _ = one_set(name, frame, seed, figure, draws, True)
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
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    parser.add_argument("--noise-px", type=float, default=Figure.noise_px, help="simulated click noise (px)")
    parser.add_argument("--noise-scale", type=float, default=NOISE_SCALE)
    parser.add_argument("--rounding-spread", type=float, default=ROUNDING_SPREAD)
    parser.add_argument("--censor-shape", type=float, default=CENSOR_SHAPE)
    parser.add_argument("--tail-shape", type=float, default=TAIL_SHAPE)
    parser.add_argument("--table", choices=("yes", "no", "both"), default="both", help="with / without risk tables")
    parser.add_argument("--stability", action="store_true")
    parser.add_argument("--out", type=Path, help="write the per-statistic rows here (CSV)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    kmdata = kmdata_datasets(args.shared, None)
    names = sorted(kmdata)
    if args.sample:
        names = names[:: max(len(names) // args.sample, 1)][: args.sample]
    datasets = packaged_datasets() | {n: kmdata[n] for n in names}
    figure = Figure(noise_px=args.noise_px)
    if args.stability:
        print(stability(dict(list(datasets.items())[:8]), args.seed, figure).round(3).to_string())
        return
    rows, times = [], []
    for use_table in {"yes": (True,), "no": (False,), "both": (True, False)}[args.table]:
        for name, frame in datasets.items():
            found, seconds = one_set(name, frame, args.seed, figure, args.draws, use_table,
                                     args.noise_scale, args.rounding_spread, args.censor_shape, args.tail_shape)
            rows += [r | {"risk_table": use_table} for r in found]
            times.append(seconds)
    table = pd.DataFrame(rows)
    summary = table.groupby(["risk_table", "statistic"]).agg(
        coverage=("covered", "mean"), statistics=("covered", "size"),
        median_relative_width=("relative_width", "median"), failed_draws=("failed", "sum"),
    )
    pd.set_option("display.width", 200)
    print(f"{len(datasets)} data sets, {args.draws} draws, noise scale {args.noise_scale}, "
          f"rounding spread {args.rounding_spread}, censor shape {args.censor_shape}, tail shape {args.tail_shape}, simulated click noise {args.noise_px} px")
    print(summary.round(3).to_string())
    print(f"overall coverage {table.covered.mean():.3f}")
    print(f"time per endpoint: median {np.median(times):.2f} s, max {np.max(times):.2f} s")
    missed = table[~table.covered]
    if len(missed):
        print("\nmissed (first 15):")
        print(missed.head(15).to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
