"""The ``kmrepro`` command line. Errors in input are one line on stderr and exit code 2.

``kmrepro reconstruct`` turns one digitized curve into IPD; ``kmrepro digitize`` reads every arm's curve off
a KM figure (PNG/JPEG); ``kmrepro drift`` lists what changed between two
claims tables and exits 1 when a claim that was reproduced no longer is.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from kmrepro.audit import drift
from kmrepro.ingest import digitize
from kmrepro.api import reconstruct_arm
from kmrepro.errors import InputError
from kmrepro.io import write_csv_atomic, write_json_atomic
from kmrepro.ingest.readers import SCALES

EXIT_BAD_INPUT = 2
EXIT_REGRESSED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kmrepro", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser(
        "reconstruct",
        help="reconstruct individual patient data from one digitized KM curve (Guyot 2012)",
        description="Reconstruct individual patient data (time,event; exactly N rows) from a digitized "
        "Kaplan-Meier curve, with or without its risk table.",
    )
    rec.add_argument("--curve", required=True, help="CSV 'time,survival' or a WebPlotDigitizer export")
    rec.add_argument("--dataset", help="WebPlotDigitizer dataset (arm) name")
    rec.add_argument("--n", required=True, type=int, help="number of patients in the arm")
    rec.add_argument("--at-risk", help="risk table CSV 'time,n_at_risk'")
    rec.add_argument("--total-events", type=int, help="published number of events in the arm")
    rec.add_argument("--scale", choices=SCALES, default="auto", help="survival axis units (default: auto)")
    rec.add_argument("--censor-marks", metavar="FILE",
                     help="censoring times marked on the figure (CSV 'time', e.g. from kmrepro digitize): "
                          "censorings are placed there instead of spread evenly")
    rec.add_argument("--out", required=True, help="where to write the IPD CSV")
    rec.add_argument("--report", help="where to write the diagnostics JSON")
    dig = commands.add_parser(
        "digitize",
        help="read each arm's KM curve off a figure image (PNG or JPEG)",
        description="Digitize a Kaplan-Meier figure: writes DIR/<NAME>.csv (time,survival: the top and bottom "
        "corner of every drop, in the axes' units) and DIR/<NAME>_censored.csv (censor marks) per arm.",
    )
    dig.add_argument("--image", required=True, help="the figure, PNG or JPEG")
    dig.add_argument("--x-ticks", required=True, metavar="START:END:STEP", help="the labelled ticks of the time axis")
    dig.add_argument("--y-ticks", required=True, metavar="START:END:STEP", help="the labelled ticks of the survival axis")
    arms = dig.add_mutually_exclusive_group(required=True)
    arms.add_argument("--arm", action="append", metavar="NAME=COLOUR[:solid|dashed]",
                      help="an arm's name and colour (#RRGGBB or a colour name); the line style only when two arms "
                           "share a colour. Repeat per arm")
    arms.add_argument("--arms", type=int, metavar="K", help="find K curves of distinct colours (named arm1..armK)")
    dig.add_argument("--out-dir", required=True, help="where to write the per-arm CSV files")
    dig.add_argument("--overlay", help="where to write the QA overlay PNG")
    dig.add_argument("--report", help="where to write the diagnostics JSON")
    drift = commands.add_parser(
        "drift",
        help="compare a claims table with a previous one, claim by claim",
        description="Print every claim whose status or regenerated value changed between a previous claims.csv "
        "and the current one (and claims added or removed). Exit 1 when a claim that was reproduced no longer "
        "is, 0 otherwise, 2 on bad input.",
    )
    drift.add_argument("--baseline", required=True, help="the previous claims.csv (e.g. baselines/TRIAL/claims.csv)")
    drift.add_argument("--current", required=True, help="the current claims.csv (e.g. results/TRIAL/claims.csv)")
    drift.add_argument(
        "--published",
        metavar="URL",
        help="compare with the claims.csv at URL (the last published copy) instead, when it can be fetched",
    )
    drift.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for --published (default: 20)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "drift":
        return _drift(args)
    if args.command == "digitize":
        return _digitize(args)
    return _reconstruct(args)


def _drift(args: argparse.Namespace) -> int:
    try:
        current = drift.read_claims(args.current)
        baseline = drift.read_claims(args.baseline)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.published:
        published, why = drift.fetch_claims(args.published, timeout=args.timeout)
        if published is None:
            print(f"note: {why}; comparing with {args.baseline}")
        else:
            baseline = published
    changes = drift.compare(baseline, current)
    print(drift.report(baseline, current, changes), end="")
    return EXIT_REGRESSED if drift.regressions(changes) else 0


def _digitize(args: argparse.Namespace) -> int:
    try:
        x_ticks = digitize.parse_ticks(args.x_ticks, "--x-ticks")
        y_ticks = digitize.parse_ticks(args.y_ticks, "--y-ticks")
        arms = [digitize.parse_arm(text) for text in args.arm] if args.arm else None
        if args.arms is not None and args.arms < 1:
            raise ValueError(f"--arms {args.arms} must be at least 1")
        if arms and len({a.name for a in arms}) < len(arms):
            raise ValueError("two --arm options have the same NAME")
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = digitize.digitize_image(args.image, x_ticks, y_ticks, arms, n_arms=args.arms)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    digitize.write_outputs(result, args.out_dir, overlay=args.overlay, report=args.report)
    x, y = result.x_calibration, result.y_calibration
    print(f"axes: x residual {x.residual_px:.2f} px, y residual {y.residual_px:.2f} px")
    for arm in result.arms:
        s = arm.summary()
        print(f"{arm.name} ({s['colour']}, {s['line_style']}): {s['points']} points, own ink in "
              f"{s['x_coverage']:.0%} of its columns, {len(arm.hidden)} hidden stretch(es), {s['censor_marks']} censor marks")
    return 0


def _reconstruct(args: argparse.Namespace) -> int:
    seen: set[str] = set()

    def show_once(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if text not in seen:
            seen.add(text)
            print(f"warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show_once
        warnings.simplefilter("always")
        try:
            result = reconstruct_arm(
                args.curve, args.n, args.at_risk, args.total_events, dataset=args.dataset, scale=args.scale,
                censor_marks=args.censor_marks,
            )
        except InputError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
    write_csv_atomic(args.out, result.ipd)
    if args.report:
        write_json_atomic(args.report, result.diagnostics)
    d = result.diagnostics
    print(
        f"{d['n']} patients, {d['events']} events; KM vs digitized points: RMSE {d['curve_fit']['rmse']:.4f}; "
        f"largest at-risk difference {d['max_at_risk_difference']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
