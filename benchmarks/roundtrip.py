"""Round-trip benchmark of the reconstruction on real individual patient data.

For every arm of every data set: draw the true Kaplan-Meier curve, simulate what a careful person
digitizes (kmrepro.reconstruct.simulate: finite figure resolution, click noise, the risk table at the axis
ticks), reconstruct, and compare with the truth. Data sets:

* the 304 two-arm IPD sets of the kmdata R package (Redd, Fell, Rahman; MIT licence), read from
  ``../shared/reference/kmdata/ipd.csv.gz`` (never copied into this repository);
* real trials shipped with lifelines (GBSG2, leukemia, lung) and scikit-survival (veterans, AIDS).

Usage: ``python benchmarks/roundtrip.py [--shared ../shared] [--limit N] [--out results/benchmark.csv]``
Prints the worst cases and the aggregates per scenario, and the time per arm.
"""

from __future__ import annotations

import argparse
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

from kmrepro.api import reconstruct_arm
from kmrepro.ingest.readers import DigitizedCurve, RiskTable
from kmrepro.analysis.km import km_at, km_median
from kmrepro.reconstruct.simulate import Figure, digitize

#: scenario name -> (use the risk table, give the total events, monotone method)
SCENARIOS = {
    "risk table": (True, False, "isotonic"),
    "risk table + events": (True, True, "isotonic"),
    "risk table, running-min": (True, False, "running-min"),
    "N + events": (False, True, "isotonic"),
    "N only": (False, False, "isotonic"),
}


def packaged_datasets() -> dict[str, pd.DataFrame]:
    """Real two-arm trials shipped with lifelines and scikit-survival, as arm,time,event."""
    from lifelines.datasets import load_gbsg2, load_leukemia, load_lung
    from sksurv.datasets import load_aids, load_veterans_lung_cancer

    sets = {}
    g = load_gbsg2()
    sets["lifelines GBSG2"] = pd.DataFrame({"arm": g.horTh, "time": g.time, "event": g.cens})
    g = load_leukemia()
    sets["lifelines leukemia"] = pd.DataFrame({"arm": g.Rx, "time": g.t, "event": g.status})
    g = load_lung().dropna(subset=["time", "status"])
    sets["lifelines lung"] = pd.DataFrame({"arm": g.sex, "time": g.time, "event": g.status})
    x, y = load_veterans_lung_cancer()
    sets["sksurv veterans"] = pd.DataFrame({"arm": x["Treatment"].astype(str), "time": y["Survival_in_days"], "event": y["Status"].astype(int)})
    x, y = load_aids(endpoint="aids")
    sets["sksurv AIDS"] = pd.DataFrame({"arm": x["tx"].astype(str), "time": y["time"], "event": y["censor"].astype(int)})
    return sets


def kmdata_datasets(shared: Path, limit: int | None) -> dict[str, pd.DataFrame]:
    ipd = pd.read_csv(shared / "reference" / "kmdata" / "ipd.csv.gz")
    names = sorted(ipd.dataset.unique())[:limit]
    return {f"kmdata {n}": g[["arm", "time", "event"]] for n, g in ipd[ipd.dataset.isin(names)].groupby("dataset")}


def step_gap(t1, e1, t2, e2, horizon: float) -> tuple[float, float]:
    """Mean (time-averaged over [0, horizon]) and largest |S1(t) - S2(t)|: exact for step functions."""
    grid = np.unique(np.concatenate([[0.0], t1, t2, [horizon]]))
    grid = grid[grid <= horizon]
    gap = np.abs(km_at(t1, e1, grid) - km_at(t2, e2, grid))
    widths = np.diff(np.append(grid, horizon))
    return float(np.sum(gap * widths) / horizon), float(gap.max())


def median_gap(t1, e1, t2, e2) -> float:
    """|difference| of two KM medians; NaN when either curve never reaches one half."""
    m1, m2 = km_median(t1, e1), km_median(t2, e2)
    return np.nan if m1 is None or m2 is None else abs(m1 - m2)


def log_hr(frame: pd.DataFrame) -> float:
    arms = sorted(frame.arm.unique())
    data = pd.DataFrame({"time": frame.time, "event": frame.event, "x": (frame.arm == arms[1]).astype(int)})
    return float(CoxPHFitter().fit(data, "time", "event").params_["x"])


def run(datasets: dict[str, pd.DataFrame], seed: int, figure: Figure) -> tuple[pd.DataFrame, pd.DataFrame]:
    arm_rows, set_rows = [], []
    for name, frame in datasets.items():
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        frame = frame.assign(time=frame.time.astype(float), event=frame.event.astype(int))
        digitized = {}
        for arm, g in frame.groupby("arm"):
            curve, table = digitize(g.time.to_numpy(), g.event.to_numpy(), rng, figure)
            digitized[arm] = (g, curve, table)
        true_log_hr = log_hr(frame)
        for scenario, (use_table, use_events, monotone) in SCENARIOS.items():
            rebuilt = []
            for arm, (g, curve, table) in digitized.items():
                t, e = g.time.to_numpy(), g.event.to_numpy()
                start = time.perf_counter()
                rec = reconstruct_arm(
                    DigitizedCurve(curve.time.to_numpy(), curve.survival.to_numpy(), name, "proportion"),
                    len(g),
                    RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), name) if use_table else None,
                    int(e.sum()) if use_events else None,
                    monotone=monotone,
                )
                seconds = time.perf_counter() - start
                rt, re = rec.ipd.time.to_numpy(), rec.ipd.event.to_numpy()
                mean_gap, max_gap = step_gap(t, e, rt, re, float(t.max()))
                arm_rows.append({
                    "scenario": scenario, "dataset": name, "arm": arm, "n": len(g), "points": len(curve),
                    "events_true": int(e.sum()), "events_error": int(re.sum() - e.sum()),
                    "median_error": median_gap(rt, re, t, e),
                    "mean_abs_gap": mean_gap, "max_abs_gap": max_gap, "ms": seconds * 1000,
                })
                rebuilt.append(rec.ipd.assign(arm=arm))
            set_rows.append({
                "scenario": scenario, "dataset": name, "n": len(frame),
                "abs_dlog_hr": abs(log_hr(pd.concat(rebuilt)) - true_log_hr),
            })
    return pd.DataFrame(arm_rows), pd.DataFrame(set_rows)


def speed(datasets: dict[str, pd.DataFrame], seed: int, figure: Figure, points=(270, 330), repeats=25) -> pd.Series:
    """In-process time per arm (ms) for curves of about 300 digitized points, with a risk table:
    the median of ``repeats`` runs for each such arm."""
    times = []
    for name, frame in datasets.items():
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        for _, g in frame.groupby("arm"):
            curve, table = digitize(g.time.to_numpy(float), g.event.to_numpy(int), rng, figure)
            if not points[0] <= len(curve) <= points[1]:
                continue
            args = (DigitizedCurve(curve.time.to_numpy(), curve.survival.to_numpy(), name, "proportion"), len(g),
                    RiskTable(table.time.to_numpy(), table.n_at_risk.to_numpy(), name))
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                reconstruct_arm(*args)
                runs.append(time.perf_counter() - start)
            times.append(np.median(runs) * 1000)
    return pd.Series(times, dtype=float)


def summarise(arms: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for scenario in SCENARIOS:
        a, s = arms[arms.scenario == scenario], sets[sets.scenario == scenario]
        tolerance = np.maximum(2, 0.02 * a.events_true)
        rows.append({
            "scenario": scenario,
            "mean |dlogHR|": s.abs_dlog_hr.mean(), "worst |dlogHR|": s.abs_dlog_hr.max(),
            "mean |dS| avg": a.mean_abs_gap.mean(), "mean |dS| worst": a.mean_abs_gap.max(),
            "max |dS| avg": a.max_abs_gap.mean(), "max |dS| worst": a.max_abs_gap.max(),
            "events within 1": (a.events_error.abs() <= 1).mean(),
            "events within 2/2%": (a.events_error.abs() <= tolerance).mean(),
            "events worst": int(a.events_error.abs().max()),
            "median err avg": a.median_error.mean(), "ms/arm median": a.ms.median(),
        })
    return pd.DataFrame(rows).set_index("scenario")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--limit", type=int, help="only the first N kmdata sets (quick look)")
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument("--noise-px", type=float, default=Figure.noise_px, help="click noise (pixels, SD)")
    parser.add_argument("--bottom-corners-only", action="store_true", help="one click per drop (its bottom corner)")
    parser.add_argument("--out", type=Path, help="write the per-arm and per-set tables here (CSV prefix)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    datasets = packaged_datasets() | kmdata_datasets(args.shared, args.limit)
    figure = Figure(noise_px=args.noise_px, top_corners=not args.bottom_corners_only)
    arms, sets = run(datasets, args.seed, figure)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    main_arms = arms[arms.scenario == "risk table"]
    main_sets = sets[sets.scenario == "risk table"]
    print("Worst two-arm sets by |dlogHR| (risk table):")
    print(main_sets.nlargest(5, "abs_dlog_hr").to_string(index=False))
    print("\nWorst arms by mean |dS| (risk table):")
    print(main_arms.nlargest(5, "mean_abs_gap").to_string(index=False))
    print(f"\n{len(datasets)} data sets, {len(main_arms)} arms; per scenario:")
    print(summarise(arms, sets).round(4).T.to_string())
    ms = speed(datasets, args.seed, figure)
    if ms.empty:
        print("\nSpeed: no curve of 270-330 points among these data sets (use more, drop --limit)")
    else:
        print(f"\nSpeed, curves of 270-330 points with a risk table ({len(ms)} arms): "
              f"median {ms.median():.2f} ms per arm, slowest {ms.max():.2f} ms")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        arms.to_csv(f"{args.out}.arms.csv", index=False)
        sets.to_csv(f"{args.out}.sets.csv", index=False)


if __name__ == "__main__":
    main()
