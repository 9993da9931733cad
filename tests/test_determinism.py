"""Two builds of the same inputs, in two directories, give byte-identical results.

The GBSG2 validation trial (trials/gbsg2, real IPD through a simulated digitization) is built twice,
concurrently, with the same SOURCE_DATE_EPOCH and without PYTHONHASHSEED (so each process hashes strings
with a different random seed: nothing may depend on set or dict-of-str iteration order). No step draws
random numbers (the simulated digitizations in trials/*/make_*.py are made once, with fixed seeds, and
committed), figures are saved without timestamps or version strings (kmrepro.publish.plots), and provenance takes
its build time from SOURCE_DATE_EPOCH. So IPD, stats, claims, figures, and even provenance.json and the
rendered report.html, are identical.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO
from test_workflow import snakemake, workspace

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
TRIAL = "gbsg2"
#: What must be byte-identical, relative to results/<trial>/.
COMPARED = (
    "digitized/*.json", "digitized/*/*.csv", "ipd/*.csv", "stats/*.json", "claims.csv", "claims.json", "figures/*.png",
    "provenance.json", "report.html",
)


def digests(results: Path) -> dict[str, str]:
    found = {}
    for pattern in COMPARED:
        for path in sorted(results.glob(pattern)):
            found[path.relative_to(results).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    paths = [workspace(tmp_path_factory.mktemp(f"build{i}"), REPO / "trials", [TRIAL]) for i in (1, 2)]
    patch = pytest.MonkeyPatch()
    patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    patch.delenv("PYTHONHASHSEED", raising=False)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda path: snakemake(path, "--cores", "1"), paths))
    finally:
        patch.undo()
    for result in results:
        assert result.returncode == 0, result.stderr[-4000:]
    return paths[0] / "results" / TRIAL, paths[1] / "results" / TRIAL


@pytest.mark.slow
def test_two_builds_are_byte_identical(two_builds):
    first, second = map(digests, two_builds)
    kinds = {name.split("/")[0] for name in first}
    assert {"ipd", "stats", "figures", "claims.csv", "claims.json", "provenance.json", "report.html"} <= kinds
    assert first.keys() == second.keys()
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, f"not reproducible: {differ}"


@pytest.mark.slow
def test_provenance_of_the_build(two_builds):
    results = two_builds[0]
    record = json.loads((results / "provenance.json").read_text(encoding="utf-8"))
    assert record["built_at"] == "2026-01-01T00:00:00Z" and record["built_at_source"] == "SOURCE_DATE_EPOCH"
    assert record["git"] == {"commit": None, "dirty": None}  # a temporary directory is no git work tree
    paths = {entry["path"] for entry in record["inputs"]}
    digitized = {f"trials/{TRIAL}/digitized/{p.name}" for p in (REPO / "trials" / TRIAL / "digitized").glob("*.csv")}
    assert digitized and digitized <= paths
    assert {f"trials/{TRIAL}/trial.yaml", "config/config.yaml", "Snakefile", "workflow/rules/provenance.smk"} <= paths
    assert {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")} <= paths
    package = REPO / "src" / "kmrepro"
    library = [p.relative_to(package) for p in package.rglob("*.py")]  # the corpus generator is outside the DAG
    assert {f"kmrepro/{p.as_posix()}" for p in library if p.parts[0] != "corpus"} <= paths
    trial_yaml = next(e for e in record["inputs"] if e["path"] == f"trials/{TRIAL}/trial.yaml")
    assert trial_yaml["sha256"] == hashlib.sha256((REPO / "trials" / TRIAL / "trial.yaml").read_bytes()).hexdigest()
    assert record["snakemake"] == record["packages"]["snakemake"]
    html = (results / "report.html").read_text(encoding="utf-8")
    footer = html[html.index('<footer class="build" id="provenance">'):]
    assert "Built 2026-01-01 00:00:00 UTC (from SOURCE_DATE_EPOCH)" in footer
    assert "not built from a git work tree" in footer and f"Snakemake {record['snakemake']}" in footer
    assert trial_yaml["sha256"] in footer and f"<summary>Installed packages ({len(record['packages'])})</summary>" in footer


@pytest.mark.slow
def test_no_op_rebuild_does_nothing(two_builds):
    from test_workflow import planned_jobs

    assert planned_jobs(two_builds[0].parents[1]) == {}
