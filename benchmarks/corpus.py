"""Benchmark of the kmdata corpus build: cold and no-op time, peak memory, time per stage, SLURM against local,
and the registry's agreement figures.

For each LIMIT (first N papers of key.csv) it builds the corpus subset into a scratch results folder through
profiles/local (and, with ``--slurm``, once more through profiles/slurm), then rebuilds with nothing to do.
Peak memory is the largest sum of resident memory over Snakemake and all its child processes, sampled every
0.2 s. CPU time (user + system of every process of the build) is reported beside wall time: on a machine
shared with other work, wall time measures the neighbours too; CPU / cores is what an idle machine takes.
The registry figures are the median and 90th percentile of |Δ log HR| against the published HR, and the same
for kmdata's own IPD (the floor a second reconstruction cannot be expected to beat). Corpus configs select
the batch path (one job per ``batch_size`` papers), whose per-job time the stage table shows as compute.

Usage, from the repository root after ``make results/corpus-trials/.generated``:
``python benchmarks/corpus.py [--limits 10 40 all] [--slurm]``.
Targets (issue 8): whole corpus cold <= 600 s on 2 cores, peak memory <= 2 GB, no-op <= 15 s, linear growth.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import yaml

from kmrepro.corpus.page import summary  # noqa: E402
from kmrepro.corpus.registry import build_registry  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CORPUS = REPO / "results" / "corpus-trials"


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, MB (from /proc)."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0"))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    tree, grown = {root}, True
    while grown:
        new = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= new
        grown = bool(new)
    return sum(rss.get(pid, 0.0) for pid in tree)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB of the process tree); exits with the tail of stderr if it fails."""
    cpu_before = _children_cpu()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "SOURCE_DATE_EPOCH": "0"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if proc.returncode:
        sys.exit(f"{' '.join(command[:4])} ... failed:\n{stderr[-3000:]}")
    return elapsed, _children_cpu() - cpu_before, peak[0]


def batch_jobs(results: Path, papers: int) -> pd.DataFrame:
    """Snakemake's benchmark of every batch job (one per ``batch_size`` papers): wall, CPU and peak memory,
    with their sums and the CPU per paper."""
    jobs = pd.concat(
        [pd.read_csv(tsv, sep="\t").assign(job=tsv.stem) for tsv in sorted((results / "benchmarks").glob("batch_*.tsv"))]
    ).set_index("job")[["s", "cpu_time", "max_rss"]]
    jobs.loc["sum"] = [jobs["s"].sum(), jobs["cpu_time"].sum(), jobs["max_rss"].max()]
    jobs.loc["per paper"] = [jobs.loc["sum", "s"] / papers, jobs.loc["sum", "cpu_time"] / papers, float("nan")]
    return jobs


def build(config: Path, limit: int | None, profile: str) -> list[str]:
    """The command of ``make corpus LIMIT=limit PROFILE=profile`` (without the generator and the registry)."""
    command = [str(BIN / "snakemake"), "--profile", f"profiles/{profile}", "--configfile", str(config)]
    return command + (["--config", f"limit={limit}"] if limit else [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", nargs="+", default=["10", "40"], help="numbers of papers, or all")
    parser.add_argument("--slurm", action="store_true", help="also build each subset through profiles/slurm")
    args = parser.parse_args()
    settings = yaml.safe_load((CORPUS / "config.yaml").read_text())
    rows = []
    with tempfile.TemporaryDirectory(prefix="kmrepro-corpus-bench-") as scratch:
        for text in args.limits:
            limit = None if text == "all" else int(text)
            papers = len(settings["trials"][:limit])
            for profile in ["local"] + (["slurm"] if args.slurm else []):
                work = Path(scratch) / f"{text}-{profile}"
                config = work / "config.yaml"
                work.mkdir()
                config.write_text(yaml.safe_dump({**settings, "results_dir": str(work / "results")}))
                cold, cold_cpu, peak = run_measured(build(config, limit, profile))
                noop, noop_cpu, _ = run_measured(build(config, limit, profile))
                figures = sum(1 for _ in (work / "results").glob("*/stats/*.json"))
                rows.append({"papers": papers, "figures": figures, "profile": profile, "cold s": cold,
                             "cold CPU s": cold_cpu, "CPU s/figure": cold_cpu / max(figures, 1), "no-op s": noop,
                             "no-op CPU s": noop_cpu, "peak MB": peak})  # fmt: skip
                if profile == "local":
                    print(f"\nbatch jobs (s: wall, cpu_time: CPU s, max_rss: MB), LIMIT={text}")
                    print(batch_jobs(work / "results", papers).to_string(float_format=lambda x: f"{x:.2f}"))
                    table = build_registry(config, work / "registry", limit)
                    done = table[table["abs_dlog_hr"].notna()]
                    figures_ = summary(done) if not done.empty else {}
                    print("registry |Δ log HR|:", {k: round(v, 4) for k, v in figures_.items()},
                          dict(table["status"].value_counts()))  # fmt: skip
    print("\ncorpus benchmark (2 cores unless the machine has more)")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
