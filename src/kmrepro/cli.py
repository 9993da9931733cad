"""The ``kmrepro`` command line. Errors in input are one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys
import warnings

from kmrepro.api import reconstruct_arm
from kmrepro.errors import InputError
from kmrepro.io import write_csv_atomic, write_json_atomic
from kmrepro.readers import SCALES

EXIT_BAD_INPUT = 2


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
    rec.add_argument("--out", required=True, help="where to write the IPD CSV")
    rec.add_argument("--report", help="where to write the diagnostics JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
                args.curve, args.n, args.at_risk, args.total_events, dataset=args.dataset, scale=args.scale
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
