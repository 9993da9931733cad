"""Claim drift: `kmrepro drift` and the site/drift step of `make ci-report` (kmrepro.publish.site)."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO
from kmrepro import cli
from kmrepro.audit import drift
from kmrepro.audit.verdicts import AGREEING
from kmrepro.publish import site

HEADER = "id,description,published,regenerated,difference,tolerance,status,note\n"
BASELINE = HEADER + (
    "hr,Hazard ratio,0.7,0.71,0.01,0.05,reproduced,\n"
    "median,Median PFS,7.1,7.3,0.2,0.5,reproduced,\n"
    "n,Patients,300,,,,input-only,\n"
    "orr,Response rate,40,39.8,-0.2,0.5,reproduced,\n"
)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(monkeypatch, capsys):
    """``kmrepro drift ARGS`` in this process (a subprocess costs a second of imports each)."""

    def call(*args, cwd):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(["drift", *args])
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return call


def test_drift_command_runs_as_a_program(tmp_path):
    (tmp_path / "old.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text(edit(BASELINE, "hr", regenerated="0.81", status="differs"))
    result = subprocess.run(
        [sys.executable, "-m", "kmrepro", "drift", "--baseline", "old.csv", "--current", "new.csv"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 1 and "[NO LONGER REPRODUCED]" in result.stdout


def edit(text: str, claim: str, **values: str) -> str:
    """The table with some columns of one claim replaced."""
    columns = HEADER.strip().split(",")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == claim:
            for key, value in values.items():
                cells[columns.index(key)] = value
            lines[i] = ",".join(cells)
    return "\n".join(lines) + "\n"


def test_no_change_exits_0(tmp_path, run):
    (tmp_path / "old.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text(BASELINE)
    result = run("--baseline", "old.csv", "--current", "new.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no claim changed" in result.stdout


def test_a_claim_no_longer_reproduced_exits_1_and_is_listed(tmp_path, run):
    (tmp_path / "old.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text(edit(BASELINE, "hr", regenerated="0.81", status="differs"))
    result = run("--baseline", "old.csv", "--current", "new.csv", cwd=tmp_path)
    assert result.returncode == 1
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "hr: reproduced -> differs; regenerated 0.71 -> 0.81  [NO LONGER REPRODUCED]" in lines
    assert not any(line.startswith(("median", "n:", "orr")) for line in lines)  # unchanged claims are not listed
    assert "1 claim changed, 1 no longer reproduced." in lines


def test_changes_that_keep_reproduced_claims_are_listed_and_exit_0(tmp_path, run):
    new = edit(BASELINE, "median", regenerated="7.2")  # value moved, still reproduced
    new = edit(new, "n", status="inconsistent")  # was not reproduced: listed, does not fail
    new = edit(new, "orr", regenerated=str(39.8 * (1 + 1e-13)))  # float noise: not a change
    new += "os,Median OS,20,21,1,2,reproduced,\n"
    (tmp_path / "old.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text(new)
    result = run("--baseline", "old.csv", "--current", "new.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "median: reproduced -> reproduced; regenerated 7.3 -> 7.2" in lines
    assert "n: input-only -> inconsistent; regenerated (none) -> (none)" in lines
    assert "os: (none) -> reproduced (added); regenerated (none) -> 21" in lines
    assert not any(line.startswith("orr") for line in lines)


def test_a_removed_reproduced_claim_is_a_regression(tmp_path, run):
    (tmp_path / "old.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text("\n".join(l for l in BASELINE.splitlines() if not l.startswith("orr")) + "\n")
    result = run("--baseline", "old.csv", "--current", "new.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert "orr: reproduced -> (none) (removed); regenerated 39.8 -> (none)  [NO LONGER REPRODUCED]" in result.stdout


def test_published_value_and_tolerance_changes_are_shown():
    old = drift.parse_claims(BASELINE, "old")
    new = drift.parse_claims(edit(BASELINE, "hr", published="0.72", tolerance="0.1"), "new")
    [change] = drift.compare(old, new)
    assert change.line() == "hr: reproduced -> reproduced; regenerated 0.71 -> 0.71; published 0.7 -> 0.72; tolerance 0.05 -> 0.1"
    assert not change.regressed


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "nope.csv: file not found"),
        ("", "bad.csv: file is empty"),
        ("id,status\nhr,reproduced\n", "bad.csv:row 1: missing columns regenerated (a claims.csv has id, status, regenerated, ...)"),
        (HEADER + "hr,a,1,1,0,1,reproduced,\nhr,b,1,1,0,1,reproduced,\n", "bad.csv:row 3: duplicate claim id 'hr'"),
        (HEADER + ",a,1,1,0,1,reproduced,\n", "bad.csv:row 2: empty claim id"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, run, content, message):
    (tmp_path / "good.csv").write_text(BASELINE)
    name = "nope.csv" if content is None else "bad.csv"
    if content is not None:
        (tmp_path / name).write_text(content)
    for args in (["--baseline", name, "--current", "good.csv"], ["--baseline", "good.csv", "--current", name]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.strip() == f"error: {message}" and result.stdout == ""


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A local HTTP server (loopback only) over tmp_path/www: the stand-in for the published Pages site."""
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_published_copy_is_preferred_when_reachable(tmp_path, served, run):
    root, url = served
    (root / "claims.csv").write_text(edit(BASELINE, "hr", status="differs", regenerated="0.9"))
    (tmp_path / "baseline.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text(BASELINE)
    result = run("--baseline", "baseline.csv", "--current", "new.csv", "--published", f"{url}/claims.csv", cwd=tmp_path)
    assert result.returncode == 0  # differs -> reproduced is an improvement
    assert f"against {url}/claims.csv" in result.stdout
    assert "hr: differs -> reproduced; regenerated 0.9 -> 0.71" in result.stdout


def test_unreachable_published_copy_falls_back_to_the_baseline(tmp_path, served, run):
    _, url = served
    (tmp_path / "baseline.csv").write_text(BASELINE)
    (tmp_path / "new.csv").write_text(edit(BASELINE, "median", status="differs"))
    result = run("--baseline", "baseline.csv", "--current", "new.csv", "--published", f"{url}/missing/claims.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert "not reachable" in result.stdout and "comparing with baseline.csv" in result.stdout
    assert "median: reproduced -> differs" in result.stdout


def fake_build(path: Path, claims: dict[str, str]) -> Path:
    """A repository-shaped folder with config, trials and results for kmrepro.publish.site (no workflow run)."""
    (path / "workflow" / "schemas").mkdir(parents=True)
    shutil.copy(REPO / "workflow" / "schemas" / "config.schema.yaml", path / "workflow" / "schemas")
    (path / "config").mkdir()
    (path / "config" / "config.yaml").write_text(f"trials: [{', '.join(claims)}]\n")
    for trial, table in claims.items():
        (path / "trials" / trial).mkdir(parents=True)
        (path / "trials" / trial / "trial.yaml").write_text(f"id: {trial}\ntitle: Trial {trial}\n")
        results = path / "results" / trial
        results.mkdir(parents=True)
        (results / "claims.csv").write_text(table)
        (results / "claims.json").write_text("[]\n")
        (results / "report.html").write_text("<html></html>\n")
        (results / "provenance.json").write_text(
            '{"built_at": "2026-01-01T00:00:00Z", "git": {"commit": "0123456789abcdef", "dirty": false}}\n'
        )
    return path


def test_site_is_assembled_and_a_regression_fails_after_it(tmp_path, monkeypatch, capsys):
    path = fake_build(tmp_path, {"one": BASELINE, "two": edit(BASELINE, "hr", status="differs")})
    for trial in ("one", "two"):
        (path / "baselines" / trial).mkdir(parents=True)
        (path / "baselines" / trial / "claims.csv").write_text(BASELINE)
    monkeypatch.chdir(path)
    assert site.main(["publish", "--out", "results/site"]) == 1
    out = capsys.readouterr()
    assert "hr: reproduced -> differs" in out.out and "no longer is in two" in out.err
    built = path / "results" / "site"
    for trial in ("one", "two"):
        assert sorted(p.name for p in (built / trial).iterdir()) == sorted([*site.PER_TRIAL, "drift.txt"])
    index = (built / "index.html").read_text()
    assert 'href="one/report.html"' in index and 'href="two/report.html"' in index
    assert "1 changed since the committed baseline, 1 no longer reproduced" in index
    assert "no claim changed since the committed baseline" in index
    # No regression: exit 0; a trial without a baseline is only noted.
    (path / "baselines" / "two" / "claims.csv").unlink()
    assert site.main(["publish", "--out", "results/site"]) == 0
    assert "no baseline for two" in (built / "two" / "drift.txt").read_text()


def test_refresh_baselines_copies_current_claims(tmp_path, monkeypatch):
    path = fake_build(tmp_path, {"one": edit(BASELINE, "hr", regenerated="0.72")})
    (path / "baselines" / "one").mkdir(parents=True)
    (path / "baselines" / "one" / "claims.csv").write_text(BASELINE)
    monkeypatch.chdir(path)
    assert site.main(["refresh-baselines"]) == 0
    assert (path / "baselines" / "one" / "claims.csv").read_text() == (path / "results" / "one" / "claims.csv").read_text()


def test_committed_baselines_cover_every_configured_trial():
    import yaml

    for trial in yaml.safe_load((REPO / "config" / "config.yaml").read_text())["trials"]:
        table = drift.read_claims(REPO / "baselines" / trial / "claims.csv")  # exists and parses
        assert any(row["status"] in AGREEING for row in table.rows.values())
