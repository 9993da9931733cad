"""Benchmark of the extrapolation models and PH checks: fit time per model, and the work they add per build.

Reads the reconstructed IPD of a finished build (``results/<trial>/ipd/<endpoint>.csv``; run ``make report``
first) and, per model, times fit + summary (restricted mean with its CI, mean, median) on every arm; then
times everything the survival notebook adds per endpoint (extended stats and the four figures). The sum,
divided by the cores, is what a cold build of those trials pays on top of the old workflow.

Usage: ``python benchmarks/models.py [--results results] [--repeats 3] [--cores 2]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kmrepro.analysis import parametric
from kmrepro.analysis.extended import ph_test
from kmrepro.analysis.survival import analyse_endpoint
from kmrepro.publish import plots


def _best_of(repeats: int, work) -> float:
    """Best CPU time of a few runs: on a shared machine wall time measures the neighbours too."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    files = sorted(args.results.glob("*/ipd/*.csv"))
    if not files:
        raise SystemExit(f"no reconstructed IPD under {args.results}/*/ipd/: run `make report` first")

    arms = []
    for path in files:
        ipd = pd.read_csv(path, dtype={"arm": str})
        for arm, rows in ipd.groupby("arm"):
            arms.append((f"{path.parent.parent.name}/{path.stem}/{arm}", rows["time"].to_numpy(float), rows["event"].to_numpy(int)))
    print(f"{len(arms)} arms, {sum(t.size for _, t, _ in arms)} patients; CPU time, best of {args.repeats} runs")
    print(f"{'model':<12} {'mean ms/arm':>11} {'max ms/arm':>10}")
    total = 0.0
    for name in parametric.MODEL_NAMES:
        times = [_best_of(args.repeats, lambda: parametric.fit_models(t, e, [12], 60, names=[name])) for _, t, e in arms]
        total += sum(times)
        print(f"{name:<12} {1000 * np.mean(times):>11.1f} {1000 * np.max(times):>10.1f}")
    print(f"{'all nine':<12} {1000 * total / len(arms):>11.1f}   (per arm; {total:.2f} s for all arms)")

    added = 0.0
    for path in files:
        ipd = pd.read_csv(path, dtype={"arm": str})
        arm_ids = sorted(ipd["arm"].unique())
        reference, arm = arm_ids[0], arm_ids[1]
        labels = {a: a for a in (arm, reference)}
        base = dict(ipd=ipd, arms=[arm, reference], reference=reference, landmarks=[12], tau=12, trial_id="b",
                    endpoint_id="b", time_unit="months")
        plain = _best_of(args.repeats, lambda: analyse_endpoint(**base))
        extended = _best_of(args.repeats, lambda: analyse_endpoint(**base, horizon=60, piecewise_cuts=[6, 12]))
        stats = analyse_endpoint(**base, horizon=60, piecewise_cuts=[6, 12])
        data = {a: (g["time"].to_numpy(float), g["event"].to_numpy(int)) for a, g in ipd.groupby("arm")}

        def figures():
            for fig in (plots.extrapolation_figure(ipd, stats, labels, "months", "x"),
                        plots.hazard_figure(ipd, stats, labels, "months", "x"),
                        plots.log_cumulative_hazard_figure(ipd, labels, "months", "x")):
                plots.png_bytes(fig)
            test = ph_test(data, arm, reference)
            plots.png_bytes(plots.schoenfeld_figure(test["residuals"], test, test["log_hr"], "months", "x"))

        drawing = _best_of(args.repeats, figures)
        added += extended - plain + drawing
        print(f"{path.parent.parent.name}/{path.stem}: stats {plain:.2f} s -> {extended:.2f} s, four new figures {drawing:.2f} s")
    print(f"added work: {added:.1f} s in all, about {added / args.cores:.1f} s of wall time on {args.cores} cores")


if __name__ == "__main__":
    main()
