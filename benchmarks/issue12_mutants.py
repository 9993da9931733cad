"""Plant the hand-made mutants of issue 12 one at a time and check that each is killed by its named tests.

These are the changes that once passed every test (benchmarks/mutation.md lists them). Each is a text
replacement that must match exactly once in a copy of src/; the named tests then run against that copy
(first on PYTHONPATH) and must fail. A replacement that no longer matches, after a refactor, is reported
as such rather than skipped. The unmutated tests must pass first.

Usage: ``python benchmarks/issue12_mutants.py`` (about a minute); exit status 1 if a mutant survives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # under src/kmrepro/
    original: str
    mutated: str
    tests: tuple[str, ...]


VERDICTS = "audit/verdicts.py"
EDGES = "tests/test_claim_verdicts.py::"
GUYOT = "reconstruct/guyot.py"
REFINE = "tests/test_refinements.py::"
MUTANTS = [
    Mutant("is_exact(): abs() dropped in the distance check", VERDICTS,
           "return _le(abs(regenerated - published), half_unit(decimals))",
           "return _le(regenerated - published, half_unit(decimals))",
           (EDGES + "test_exact_at_half_a_printed_unit_on_both_sides",)),
    Mutant("judge(): abs() dropped in the override's distance check", VERDICTS,
           "ok = _le(abs(regenerated - published), override.tolerance)",
           "ok = _le(regenerated - published, override.tolerance)",
           (EDGES + "test_override_exactly_at_its_edge",)),
    Mutant("is_exact(): < treated as <=", VERDICTS,
           "return regenerated < published or", "return regenerated <= published or",
           (EDGES + "test_bound_below_at_and_above",)),
    Mutant("judge(): < treated as <= against the widened interval", VERDICTS,
           "else widened[0] < published", "else _le(widened[0], published)",
           (EDGES + "test_bound_reached_by_the_widened_interval",)),
    Mutant("is_exact(): > reversed", VERDICTS,
           "return regenerated > published or", "return regenerated < published or",
           (EDGES + "test_bound_below_at_and_above",)),
    Mutant("judge(): > reversed against the widened interval", VERDICTS,
           "else published < widened[1]", "else published > widened[1]",
           (EDGES + "test_bound_reached_by_the_widened_interval",)),
    Mutant("float slack widened to 1e-3", VERDICTS, "_SLACK = 1e-9", "_SLACK = 1e-3",
           (EDGES + "test_float_slack_is_one_billionth",
            EDGES + "test_float_slack_on_interval_ends_grows_with_the_value")),
    Mutant("rounding threshold 0.5 -> 0.4", GUYOT, "HALF_UP = 0.5", "HALF_UP = 0.4",
           (REFINE + "test_drop_of_exactly_half_an_event_rounds_half_up",)),
    Mutant("events per point rounded half to even", GUYOT,
           "math.floor(n * (1.0 - survival[k] / s_last) + threshold + offset[k])",
           "round(n * (1.0 - survival[k] / s_last) + offset[k])",
           (REFINE + "test_drop_of_exactly_half_an_event_rounds_half_up",)),
    Mutant("censoring search started half to even", GUYOT,
           "return math.floor(x + 0.5)", "return round(x)",
           (REFINE + "test_censoring_count_starts_from_an_exact_half_rounded_up",)),
    Mutant("placing censorings by step heights, disabled", GUYOT,
           "intervals = [_place_censorings_by_step_heights(points, iv, walk, corners)",
           "intervals = [iv if True else _place_censorings_by_step_heights(points, iv, walk, corners)",
           (REFINE + "test_censorings_are_placed_where_the_step_heights_say",)),
    Mutant("splitting slopes at table times, disabled", GUYOT,
           "time, survival = _split_slopes_at_table_times(time, survival, risk_time)", "pass",
           (REFINE + "test_table_time_through_a_slope_splits_its_events",)),
    Mutant("spreading events along slopes, disabled", GUYOT,
           "extra_at_start=max(n - n_start, 0), slopes=corners)",
           "extra_at_start=max(n - n_start, 0), slopes=False)",
           (REFINE + "test_events_of_a_slope_are_spread_along_it",)),
    Mutant("R's sqrt(eps) tolerance at S = 0.5 dropped", "analysis/km.py",
           "HALF_TOLERANCE = math.sqrt(np.finfo(float).eps)", "HALF_TOLERANCE = 0.0",
           ("tests/test_km.py::test_median_at_exactly_one_half_is_the_midpoint_as_in_r",)),
]


def run_tests(tests: tuple[str, ...], src: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True).returncode


def plant(mutant: Mutant, src: Path) -> bool:
    """Apply the mutant to the copy; False if its text no longer matches exactly once."""
    path = src / "kmrepro" / mutant.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.original) != 1:
        return False
    path.write_text(text.replace(mutant.original, mutant.mutated), encoding="utf-8")
    return True


def main() -> int:
    all_tests = tuple(sorted({t for m in MUTANTS for t in m.tests}))
    if run_tests(all_tests, REPO / "src") != 0:
        print("the named tests fail without any mutant: fix them first")
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for mutant in MUTANTS:
            src = Path(tmp) / "src"
            shutil.rmtree(src, ignore_errors=True)
            shutil.copytree(REPO / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            if not plant(mutant, src):
                verdict = "NO LONGER APPLIES (update the mutant)"
            else:
                verdict = "killed" if run_tests(mutant.tests, src) == 1 else "SURVIVED"
            failures += verdict != "killed"
            print(f"{verdict:9} {mutant.name}  <-  {', '.join(t.split('::')[-1] for t in mutant.tests)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
