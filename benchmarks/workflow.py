"""Benchmark of the Snakemake workflow: cold build, no-op rebuild and where each stage spends its time.

Runs the workflow on the configured trials in a scratch copy (the repository's results/ is not touched) and
prints one table. Per stage, each job's wall time (Snakemake ``benchmark:`` files) is split with papermill's
per-cell timings into process + kernel start-up (papermill, ipykernel), imports (the notebook's import cell),
compute (the other cells; for the report, filling the templates and writing report.html).

Usage, from the repository root with the environment active:
``python benchmarks/workflow.py [--cores 2] [--config config/config.yaml]``.
Targets: cold build of both trials <= 60 s on 2 cores, no-op rebuild <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGETS = {"cold build": 60.0, "no-op rebuild": 3.0}


def scratch_copy(target: Path, config: Path) -> None:
    """The workflow (symlinked) and copies of the configured trials, so results land in ``target``."""
    for name in ("Snakefile", "workflow", "notebooks", "envs"):
        (target / name).symlink_to(REPO / name)
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    trials_dir = REPO / settings.get("trials_dir", "trials")
    for trial in settings["trials"]:
        shutil.copytree(trials_dir / trial, target / "trials" / trial)
    settings = {**settings, "trials_dir": "trials", "results_dir": "results"}
    (target / "config").mkdir()
    (target / "config" / "config.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")


def timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return elapsed


def cell_times(notebook: Path) -> tuple[float, float]:
    """(import cell, all other cells) seconds from papermill's per-cell timings."""
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    durations = [c["metadata"].get("papermill", {}).get("duration") or 0.0 for c in cells]
    first_import = next(i for i, c in enumerate(cells) if "import " in "".join(c["source"]))
    return durations[first_import], sum(durations) - durations[first_import]


def stage_table(work: Path) -> pd.DataFrame:
    rows = []
    for bench in sorted((work / "results").glob("*/benchmarks/*.tsv")):
        trial, job = bench.parts[-3], bench.stem
        stage = job.split("_")[0] if job.startswith(("reconstruct_", "survival_")) else job
        wall = float(pd.read_csv(bench, sep="\t")["s"].iloc[0])
        notebook = work / "results" / trial / "notebooks" / f"{job}.ipynb"
        # Jobs without a notebook (provenance) are a plain process: all of it counts as compute.
        imports, compute = cell_times(notebook) if notebook.exists() else (0.0, wall)
        rows.append(
            {
                "stage": stage,
                "wall": wall,
                "process + kernel start": wall - imports - compute,
                "imports": imports,
                "compute": compute,
            }
        )
    jobs = pd.DataFrame(rows)
    table = jobs.groupby("stage", sort=False).mean()
    table.insert(0, "jobs", jobs.groupby("stage", sort=False).size())
    table.loc["all jobs (sum)"] = [len(jobs), *jobs.drop(columns="stage").sum()]
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--config", type=Path, default=REPO / "config" / "config.yaml")
    args = parser.parse_args()
    snakemake = [str(BIN / "snakemake"), "--cores", str(args.cores)]
    with tempfile.TemporaryDirectory(prefix="kmrepro-bench-") as scratch:
        work = Path(scratch)
        scratch_copy(work, args.config)
        totals = {"cold build": timed(snakemake, work), "no-op rebuild": timed(snakemake, work)}
        table = stage_table(work)
    print(f"workflow benchmark, {args.cores} cores")
    for name, seconds in totals.items():
        verdict = "ok" if seconds <= TARGETS[name] else "OVER TARGET"
        print(f"  {name:14s} {seconds:6.1f} s   (target <= {TARGETS[name]:g} s: {verdict})")
    print("\nper job, mean seconds by stage")
    print(table.to_string(float_format=lambda x: f"{x:.2f}"))
    return 0 if all(totals[name] <= TARGETS[name] for name in TARGETS) else 1


if __name__ == "__main__":
    sys.exit(main())
