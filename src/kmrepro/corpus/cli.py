"""Command line of the corpus: generate the trial folders, then (after the workflow) build the registry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kmrepro.corpus.generate import generate
from kmrepro.corpus.registry import build_registry
from kmrepro.errors import InputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmrepro.corpus", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="one trial folder per kmdata paper, and the workflow config listing them")
    gen.add_argument("--out", type=Path, default=Path("results/corpus-trials"), help="trial folders go here")
    gen.add_argument("--results", type=Path, default=Path("results/corpus"), help="the workflow's results_dir")
    gen.add_argument("--limit", type=int, help="only the first N papers in key.csv order")
    reg = sub.add_parser("registry", help="registry.csv and index.html from the generated trials and their results")
    reg.add_argument("--config", type=Path, default=Path("results/corpus-trials/config.yaml"))
    reg.add_argument("--out", type=Path, default=Path("results/registry"))
    reg.add_argument("--limit", type=int, help="only the first N trials of the config")
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            for problem in generate(args.out, args.results, args.limit):
                print(f"skipped: {problem}", file=sys.stderr)
        else:
            build_registry(args.config, args.out, args.limit)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    return 0
