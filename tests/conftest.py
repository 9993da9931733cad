"""Shared test fixtures: where the shared reference material lives."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KMREPRO_SHARED", REPO.parent / "shared"))  # worktrees elsewhere set it
KMDATA = SHARED / "reference" / "kmdata"


def examples(n: int) -> int:
    """Examples per property test: fewer under `make mutation` (KMREPRO_MUTATION=1), which reruns the
    property tests for each of its ~2500 mutants; a failing example found once is replayed for the next."""
    return min(n, 20) if os.environ.get("KMREPRO_MUTATION") else n


@pytest.fixture
def kmdata() -> Path:
    if not KMDATA.is_dir():
        pytest.skip(f"shared reference data not found at {KMDATA}")
    return KMDATA
