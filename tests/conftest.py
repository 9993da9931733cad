"""Shared test fixtures: where the shared reference material lives."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
KMDATA = SHARED / "reference" / "kmdata"


@pytest.fixture
def kmdata() -> Path:
    if not KMDATA.is_dir():
        pytest.skip(f"shared reference data not found at {KMDATA}")
    return KMDATA
