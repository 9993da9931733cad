"""The conda environment and the pip requirements must pin the same versions."""

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


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "envs" / "kmrepro.yaml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith("python="):
            name, version = re.split(r"=+", dep, maxsplit=1)
            pins[name.lower()] = version
    return pins


def test_conda_env_matches_pip_requirements():
    assert conda_pins() == pip_pins()
