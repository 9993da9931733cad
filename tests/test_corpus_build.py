"""Reliability of a corpus build (the batch path through profiles/local and make, as `make corpus` runs it): a
paper that fails does not stop the others, and a build interrupted or killed, restarted, ends with the results of
an uninterrupted one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from kmrepro.audit.trial import load_trial
from kmrepro.batch import build_trial
from kmrepro.batch import main as batch_main
from kmrepro.corpus.generate import generate
from kmrepro.corpus.registry import build_registry

PAPERS = 3
#: What a build must reproduce byte for byte (logs and Snakemake's benchmarks record times).
VOLATILE = ("logs", "benchmarks")


@pytest.fixture(scope="module")
def trials(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "trials"
    generate(folder, folder.parent / "unused", limit=PAPERS)
    return folder


def _config(tmp_path: Path, trials: Path, name: str) -> Path:
    config = tmp_path / f"{name}.yaml"
    ids = yaml.safe_load((trials / "config.yaml").read_text())["trials"]
    config.write_text(yaml.safe_dump({
        "trials": ids, "trials_dir": str(trials), "results_dir": str(tmp_path / name),
        "batch": True, "batch_size": 1, "reconstruction_draws": 5,
    }))  # fmt: skip
    return config


def _build(config: Path) -> subprocess.Popen:
    """The README's build command (make: it removes the lock a killed build left) on a corpus config."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    flags = f"--profile profiles/local --configfile {config}"
    return subprocess.Popen(
        ["make", "-s", "report", f"PYTHON={sys.executable}", "CORES=1", f"SNAKEMAKE_FLAGS={flags}"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        preexec_fn=_ctrl_c_not_ignored,
    )


def _ctrl_c_not_ignored() -> None:
    """A build started from a terminal takes Ctrl-C; one started by tests run in the background (a shell's
    ``&``, nohup) inherits SIGINT ignored, and would build on through it as if never interrupted."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _snakemake(config: Path, *args: str) -> subprocess.CompletedProcess:
    """Snakemake itself on a corpus config, through profiles/local."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, "-m", "snakemake", "--profile", "profiles/local", "--configfile", str(config), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def _results(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not set(p.relative_to(root).parts) & set(VOLATILE)
    }


@pytest.mark.slow
def test_a_failing_paper_leaves_the_others_built_and_the_registry_names_its_log(trials, tmp_path):
    ids = yaml.safe_load((trials / "config.yaml").read_text())["trials"]
    broken = trials / ids[1] / "trial.yaml"
    spec = yaml.safe_load(broken.read_text())
    # Valid for the schema, but the batch path cannot build it: the paper fails in its job, at run time.
    spec["response"] = [{"id": "orr", "label": "Objective response rate", "percent": {a["id"]: 50 for a in spec["arms"]}}]
    original = broken.read_text()
    broken.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    try:
        build = _build(_config(tmp_path, trials, "r"))
        output, _ = build.communicate(timeout=900)
        assert build.returncode != 0, output[-3000:]
        for trial in (ids[0], ids[2]):
            assert (tmp_path / "r" / trial / "report.html").is_file(), output[-3000:]
        assert not (tmp_path / "r" / ids[1] / "report.html").exists()
        log = tmp_path / "r" / ids[1] / "logs" / "batch.log"
        assert "response" in log.read_text()
        table = build_registry(tmp_path / "r.yaml", tmp_path / "registry")
        failed = table[table.trial == ids[1]]
        assert set(failed.status) == {"failed"} and all(str(log) in logs for logs in failed.logs)
        assert "failed" not in set(table[table.trial != ids[1]].status.dropna())
    finally:
        broken.write_text(original)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["interrupted", "killed"])
def test_an_interrupted_build_restarted_ends_as_an_uninterrupted_one(trials, tmp_path, stop):
    config = _config(tmp_path, trials, "r")
    ids = yaml.safe_load(config.read_text())["trials"]
    whole = _build(config)
    output, _ = whole.communicate(timeout=900)
    assert whole.returncode == 0, output[-3000:]
    uninterrupted = _results(tmp_path / "r")
    shutil.rmtree(tmp_path / "r")

    build = _build(config)
    reports = [tmp_path / "r" / trial / "report.html" for trial in ids]
    deadline = time.monotonic() + 600
    while not any(r.exists() for r in reports) and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert build.poll() is None, "the build ended before it could be interrupted"
    os.killpg(build.pid, stop)  # Ctrl-C, or the machine going down with every process of the build
    build.communicate(timeout=120)
    assert 1 <= sum(r.exists() for r in reports) < len(reports)  # one paper (one batch job) done, not all

    again = _build(config)
    output, _ = again.communicate(timeout=900)
    assert again.returncode == 0, output[-3000:]
    assert _results(tmp_path / "r") == uninterrupted


def test_the_batch_path_refuses_what_only_the_notebooks_build(tmp_path):
    spec = load_trial(REPO / "trials" / "kc-wise" / "trial.yaml", REPO / "workflow" / "schemas" / "trial.schema.yaml")
    with pytest.raises(ValueError, match="response: section"):
        build_trial(spec, REPO / "workflow" / "schemas" / "stats.schema.yaml", tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_paper_that_fails_loses_the_report_of_its_earlier_build(tmp_path):
    results = tmp_path / "results"
    (results / "kc-wise").mkdir(parents=True)
    (results / "kc-wise" / "report.html").write_text("<html>an earlier build</html>")
    schemas = REPO / "workflow" / "schemas"
    status = batch_main(["--schema", str(schemas / "trial.schema.yaml"), "--stats-schema", str(schemas / "stats.schema.yaml"),
                         "--results-dir", str(results), "--trials", str(REPO / "trials" / "kc-wise" / "trial.yaml")])  # fmt: skip
    assert status == 1
    assert not (results / "kc-wise" / "report.html").exists()
    assert "response: section" in (results / "kc-wise" / "logs" / "batch.log").read_text()


@pytest.mark.slow
def test_papers_added_to_the_config_rebuild_no_other_paper(trials, tmp_path):
    """Two papers built, a third appended to the config file: only the third's batch job is planned."""
    config = _config(tmp_path, trials, "r")
    settings = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**settings, "trials": settings["trials"][:2]}))
    built = _snakemake(config, "--cores", "1")
    assert built.returncode == 0, built.stderr[-3000:]
    time.sleep(1)  # a later mtime for the config file
    config.write_text(yaml.safe_dump(settings))
    plan = _snakemake(config, "--cores", "1", "--dry-run", "--quiet", "rules")
    planned = {line.split()[0] for line in plan.stdout.splitlines() if line.startswith("batch_")}
    assert planned == {"batch_0002"}, plan.stdout + plan.stderr


@pytest.mark.slow
def test_the_batch_path_digitizes_a_figure_as_the_notebooks_do(tmp_path):
    """GBSG2 starts from a figure image: its batch build writes what the notebook build writes, byte for byte."""
    config = tmp_path / "config.yaml"
    builds = {}
    for batch in (False, True):
        config.write_text(yaml.safe_dump({"trials": ["gbsg2"], "trials_dir": str(REPO / "trials"),
                                          "results_dir": str(tmp_path / "r"), "batch": batch, "reconstruction_draws": 20}))
        run = _snakemake(config, "--cores", "2")
        assert run.returncode == 0, run.stderr[-3000:]
        root = tmp_path / "r" / "gbsg2"
        builds[batch] = {name: (root / name).read_bytes() for name in (
            "ipd/rfs.csv", "stats/rfs.json", "diagnostics/rfs.json", "claims.csv", "claims.json", "digitized/rfs.json",
            "digitized/rfs/hormone.csv", "digitized/rfs/none_censored.csv")}
        assert (root / "figures" / "overlay_rfs.png").is_file() and 'alt="Curves digitized' in (root / "report.html").read_text()
        shutil.rmtree(tmp_path / "r")
    assert [name for name in builds[False] if builds[False][name] != builds[True][name]] == []
