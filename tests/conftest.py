"""Shared test fixtures: where the shared reference material lives."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KMREPRO_SHARED", REPO.parent / "shared"))  # worktrees elsewhere set it
KMDATA = SHARED / "reference" / "kmdata"


@pytest.fixture
def kmdata() -> Path:
    if not KMDATA.is_dir():
        pytest.skip(f"shared reference data not found at {KMDATA}")
    return KMDATA
