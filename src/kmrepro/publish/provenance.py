"""Provenance of a build: what went in, with what, from which commit and when.

``results/<trial>/provenance.json`` (written by ``workflow/rules/provenance.smk``, shown in the report's
footer) holds the SHA-256 of every input file of the trial (trial.yaml, its digitized files, the notebooks,
the kmrepro sources, the workflow and config files), the versions of Python, Snakemake and every installed
package, the git commit of the working directory and whether its tree was dirty, and the build time.

The build time honours ``SOURCE_DATE_EPOCH`` (https://reproducible-builds.org/specs/source-date-epoch/):
with it set, two builds of the same inputs in the same environment write byte-identical provenance.

Rerun policy: the rule reruns when the *content* of an input file it hashes changes (Snakemake's input
triggers), or the running Snakemake's version. It does not rerun on a new commit, a change of the dirty flag
or a package upgrade alone: they would otherwise rerun the report on every commit (and ``make report``
would never be a no-op on a work tree being edited). The file therefore says when and from what commit it
was last written; the results are those of the hashed inputs. Restamp with
``snakemake --forcerun provenance`` (reruns the provenance files and the reports only); ``make ci-report``
and the scheduled CI job, which builds from a fresh clone, always do.

Usage as a program (the rule's shell command)::

    python -m kmrepro.publish.provenance --trial ID --out provenance.json [--snakemake VERSION] FILE...
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from importlib.metadata import distributions
from pathlib import Path

from kmrepro.io import write_json_atomic

#: Version of the provenance.json layout; bump on incompatible changes.
FORMAT = 1
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_path(path: str | Path, root: str | Path = ".") -> str:
    """How a file is named in provenance.json: relative to the working directory when it is inside it,
    ``kmrepro/NAME`` for the library's own sources, else as given. No machine-specific prefix ends up in
    the file, so two checkouts of the same inputs give the same provenance."""
    path = Path(path)
    absolute = Path(os.path.abspath(path))
    relative = os.path.relpath(absolute, os.path.abspath(root))
    if not relative.startswith(os.pardir + os.sep) and relative != os.pardir:
        return Path(relative).as_posix()
    try:
        return "kmrepro/" + absolute.resolve().relative_to(_PACKAGE_DIR).as_posix()
    except ValueError:
        return path.as_posix()


def file_hashes(paths: Iterable[str | Path], root: str | Path = ".") -> list[dict]:
    """``[{path, sha256, bytes}]``, one per distinct file, sorted by displayed path."""
    entries = {}
    for path in paths:
        name = display_path(path, root)
        if name not in entries:
            entries[name] = {"path": name, "sha256": sha256_file(path), "bytes": Path(path).stat().st_size}
    return [entries[name] for name in sorted(entries)]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_versions() -> dict[str, str]:
    """Every distribution installed in the running environment, ``{normalised name: version}``, sorted."""
    found = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(_normalise(name), dist.version)
    return dict(sorted(found.items()))


def git_state(directory: str | Path = ".") -> dict:
    """``{commit, dirty}`` of the git work tree holding ``directory``; both None outside one (or without git).

    Dirty means anything ``git status`` reports: modified, staged or untracked (not ignored) files.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True, timeout=60
        ).stdout

    try:
        commit = git("rev-parse", "--verify", "HEAD").strip()
        dirty = bool(git("status", "--porcelain").strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def build_time(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(ISO 8601 UTC time, where it came from): ``SOURCE_DATE_EPOCH`` when set, else the clock."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip() != "":
        if not re.fullmatch(r"\d+", epoch.strip()):
            raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {epoch!r}")
        moment, source = datetime.fromtimestamp(int(epoch), timezone.utc), "SOURCE_DATE_EPOCH"
    else:
        moment, source = datetime.now(timezone.utc), "clock"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), source


def collect(
    trial: str,
    inputs: Iterable[str | Path],
    snakemake_version: str | None = None,
    root: str | Path = ".",
    environ: Mapping[str, str] | None = None,
) -> dict:
    """The provenance record of one trial's build (see the module docstring)."""
    built_at, source = build_time(environ)
    packages = package_versions()
    return {
        "format": FORMAT,
        "trial": trial,
        "built_at": built_at,
        "built_at_source": source,
        "git": git_state(root),
        "snakemake": snakemake_version or packages.get("snakemake"),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "platform": platform.platform(),
        "packages": packages,
        "inputs": file_hashes(inputs, root),
    }


def write_provenance(path: str | Path, record: Mapping) -> None:
    write_json_atomic(path, record)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmrepro.publish.provenance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trial", required=True, help="trial id")
    parser.add_argument("--out", required=True, help="where to write provenance.json")
    parser.add_argument("--snakemake", help="version of the Snakemake running the build")
    parser.add_argument("inputs", nargs="*", help="input files to hash")
    args = parser.parse_args(argv)
    try:
        record = collect(args.trial, args.inputs, args.snakemake)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write_provenance(args.out, record)
    print(f"{args.out}: {len(record['inputs'])} input files, {len(record['packages'])} packages, "
          f"commit {record['git']['commit'] or 'none'}, built {record['built_at']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
