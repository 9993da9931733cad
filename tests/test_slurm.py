"""Equivalent builds of a corpus paper: through the SLURM profile or locally, by the batch path or the notebooks.

The SLURM test needs a running cluster (.ci/slurm-up.sh starts a one-node one; .ci/run does so in CI).
Without one it is skipped and says why: it never passes without having run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from kmrepro.corpus.generate import generate

TRIAL = "actscc"  # one endpoint, two arms: the smallest paper among the first five
PAPERS = (TRIAL, "act1")
COMPARED = ("ipd", "stats", "diagnostics", "claims.csv", "claims.json")


def _cluster_problem() -> str | None:
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "SLURM is not installed (sbatch/sinfo not found; .ci/run installs slurm-wlm and munge as root)"
    try:
        nodes = subprocess.run(["sinfo", "--noheader", "-o", "%N %t"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 20 s: slurmctld is not running (start it with .ci/slurm-up.sh)"
    if nodes.returncode != 0 or not any(s in nodes.stdout for s in ("idle", "mix", "alloc")):
        return f"no SLURM node is up (sinfo: {(nodes.stdout + nodes.stderr).strip()!r}; run .ci/slurm-up.sh)"
    return None


def _build(profile: str, trials: Path, results: Path, config: Path, batch: bool) -> None:
    settings = {"trials": list(PAPERS), "trials_dir": str(trials), "results_dir": str(results), "batch": batch}
    config.write_text(yaml.safe_dump({**settings, "batch_size": 1, "reconstruction_draws": 5} if batch else settings))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "SOURCE_DATE_EPOCH": "0"}
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", f"profiles/{profile}", "--configfile", str(config)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800,
    )
    assert run.returncode == 0, f"{profile} build failed:\n{run.stderr[-4000:]}"


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for name in COMPARED
        for p in ([root / name] if (root / name).is_file() else sorted((root / name).rglob("*")))
        if p.is_file()
    }


@pytest.mark.slow
@pytest.mark.parametrize("batch", [True, False], ids=["batch path, grouped", "notebooks"])
def test_slurm_build_equals_local_build(tmp_path, batch):
    """Through the cluster profile: the corpus's batch path (two batch jobs of one paper each, which the profile's
    group `corpus` sends as one SLURM job), or the notebook rules (grouped per trial)."""
    problem = _cluster_problem()
    if problem:
        pytest.skip(problem)
    trials = tmp_path / "trials"
    generate(trials, tmp_path / "unused", limit=5)
    _build("local", trials, tmp_path / "local", tmp_path / "local.yaml", batch)
    _build("slurm", trials, tmp_path / "slurm", tmp_path / "slurm.yaml", batch)
    for trial in PAPERS:
        local, slurm = _files(tmp_path / "local" / trial), _files(tmp_path / "slurm" / trial)
        assert local and "claims.json" in local
        assert sorted(slurm) == sorted(local)
        assert [f for f in local if local[f] != slurm[f]] == []


@pytest.mark.slow
def test_batch_path_writes_what_the_notebooks_write(tmp_path):
    """The corpus's batch path and the notebook rules give byte-identical IPD, stats, diagnostics and claims."""
    trials = tmp_path / "trials"
    generate(trials, tmp_path / "unused", limit=5)
    builds = {}
    for batch in (True, False):
        config = tmp_path / f"batch-{batch}.yaml"
        results = tmp_path / f"batch-{batch}"
        config.write_text(yaml.safe_dump(
            {"trials": [TRIAL], "trials_dir": str(trials), "results_dir": str(results), "batch": batch}
        ))  # fmt: skip
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        run = subprocess.run(
            [sys.executable, "-m", "snakemake", "--profile", "profiles/local", "--configfile", str(config)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=1800,
        )
        assert run.returncode == 0, run.stderr[-4000:]
        builds[batch] = _files(results / TRIAL)
    assert sorted(builds[True]) == sorted(builds[False])
    assert [f for f in builds[True] if builds[True][f] != builds[False][f]] == []
