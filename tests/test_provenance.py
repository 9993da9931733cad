"""Provenance records (kmrepro.publish.provenance) and the report footer that shows them (kmrepro.publish.pages).

The workflow side (every report has provenance.json and its footer, byte-identical with SOURCE_DATE_EPOCH)
is in test_determinism.py, which builds the workflow anyway.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from kmrepro.publish import provenance
from kmrepro.publish import pages, tables


def test_file_hashes_are_sha256_with_relative_paths(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "b.csv").write_bytes(b"time,survival\n0,1\n")
    (tmp_path / "a.yaml").write_bytes(b"id: x\n")
    files = [tmp_path / "data" / "b.csv", tmp_path / "a.yaml", tmp_path / "a.yaml"]
    entries = provenance.file_hashes(files, root=tmp_path)
    assert entries == [
        {"path": "a.yaml", "sha256": hashlib.sha256(b"id: x\n").hexdigest(), "bytes": 6},
        {"path": "data/b.csv", "sha256": hashlib.sha256(b"time,survival\n0,1\n").hexdigest(), "bytes": 18},
    ]


def test_library_sources_are_named_without_a_machine_specific_prefix(tmp_path):
    assert provenance.display_path(provenance.__file__, root=tmp_path) == "kmrepro/publish/provenance.py"


def test_build_time_honours_source_date_epoch():
    assert provenance.build_time({"SOURCE_DATE_EPOCH": "1700000000"}) == ("2023-11-14T22:13:20Z", "SOURCE_DATE_EPOCH")
    stamp, source = provenance.build_time({})
    assert source == "clock" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        provenance.build_time({"SOURCE_DATE_EPOCH": "yesterday"})


def test_package_versions_cover_the_environment():
    packages = provenance.package_versions()
    for name in ("numpy", "lifelines", "snakemake", "papermill", "kmrepro"):
        assert packages[name] == version(name)
    assert list(packages) == sorted(packages)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_and_dirty_flag(tmp_path):
    assert provenance.git_state(tmp_path) == {"commit": None, "dirty": None}  # not a work tree

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "trial.yaml").write_text("id: x\n")
    git("add", "trial.yaml")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "inputs")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "trial.yaml").write_text("id: y\n")
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": True}


def test_program_writes_the_record(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "trial.yaml").write_text("id: x\n")
    assert provenance.main(["--trial", "x", "--snakemake", "9.0.0", "--out", "out/provenance.json", "trial.yaml"]) == 0
    record = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert record["trial"] == "x" and record["snakemake"] == "9.0.0"
    assert record["built_at"] == "2023-11-14T22:13:20Z" and record["built_at_source"] == "SOURCE_DATE_EPOCH"
    assert record["python"]["version"] == platform.python_version()
    assert [i["path"] for i in record["inputs"]] == ["trial.yaml"]
    assert record["packages"]["pandas"] == version("pandas")
    # Missing input: one line, exit 2, nothing written.
    assert provenance.main(["--trial", "x", "--out", "other.json", "missing.yaml"]) == 2
    assert not (tmp_path / "other.json").exists()


RECORD = {
    "built_at": "2026-01-02T03:04:05Z",
    "built_at_source": "clock",
    "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
    "snakemake": "9.27.1",
    "python": {"version": "3.11.7", "implementation": "CPython"},
    "platform": "Linux",
    "packages": {"numpy": "2.4.6", "<evil>": "1"},
    "inputs": [{"path": "trials/x/trial.yaml", "sha256": "ab" * 32, "bytes": 10}],
}


def test_footer_shows_the_record():
    footer = pages.footer_html(RECORD)
    assert footer.startswith('<footer class="build" id="provenance">') and footer.endswith("</footer>")
    assert "Built 2026-01-02 03:04:05 UTC" in footer
    assert "0123456789abcdef0123456789abcdef01234567" in footer and "uncommitted changes" in footer
    assert "Snakemake 9.27.1" in footer and "Python 3.11.7" in footer
    assert "<details><summary>Input files (1, SHA-256)</summary>" in footer and "ab" * 32 in footer
    assert "<summary>Installed packages (2)</summary>" in footer and "&lt;evil&gt;" in footer
    clean = pages.footer_html({**RECORD, "git": {"commit": None, "dirty": None}, "built_at_source": "SOURCE_DATE_EPOCH"})
    assert "not built from a git work tree" in clean and "(from SOURCE_DATE_EPOCH)" in clean


def test_software_table_reads_the_record():
    table = tables.versions_table(RECORD).set_index("Software")["Version"]
    assert table["Python"] == "3.11.7" and table["numpy"] == "2.4.6" and table["lifelines"] == "not installed"
