"""Audit every published number: regenerate it from the results, or check it against the paper's other numbers.

A printed number is a rounded one, so each is read as the interval it stands for (7.1 is 7.05 to 7.15, an
exact count is itself, "P<0.0001" is everything below 0.0001); a consistency check passes when the number
derived from the other claims could have printed as this one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import norm

from kmrepro.errors import InputError
from kmrepro.io import write_csv_atomic, write_json_atomic
from kmrepro.analysis.response import counts_from_percent
from kmrepro.audit.trial import Trial, parse_result_path

COLUMNS = ["id", "description", "published", "regenerated", "difference", "tolerance", "status", "note"]
Z95 = float(norm.ppf(0.975))
_SLACK = 1e-9  # relative floating-point slack on interval ends; far below any printed precision


def _at_most(a: float, b: float) -> bool:
    """a <= b up to floating-point noise (100 x (1 - 0.255) is not exactly 74.5)."""
    if math.isinf(a) or math.isinf(b):
        return a <= b
    return a <= b + _SLACK * max(abs(a), abs(b))


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float

    def meets(self, other: Interval) -> bool:
        return _at_most(self.lo, other.hi) and _at_most(other.lo, self.hi)

    def __str__(self) -> str:
        return f"{self.lo:.4g}" if self.lo == self.hi else f"{self.lo:.4g} to {self.hi:.4g}"


def decimals(claim: dict) -> int:
    """Printed decimal places: explicit, else the most among value and CI as YAML read them.

    Taking the CI into account recovers a trailing zero YAML drops: 0.30 (0.17-0.39) has two places.
    """
    if "decimals" in claim:
        return claim["decimals"]
    numbers = [claim["value"], *(x for x in claim.get("ci", {}).values() if x is not None)]
    return max(0, *(-Decimal(repr(x)).as_tuple().exponent for x in numbers))


def _rounded(claim: dict, x: float) -> Interval:
    half = 0.5 * 10 ** -decimals(claim)
    return Interval(x - half, x + half)


def stated(claim: dict) -> Interval:
    """The values a claim's printed number stands for."""
    value, comparator = claim["value"], claim.get("comparator", "=")
    if comparator in ("<", "<="):
        return Interval(-math.inf, value)
    if comparator in (">", ">="):
        return Interval(value, math.inf)
    if claim["unit"] == "count" and comparator == "=":
        return Interval(value, value)
    return _rounded(claim, value)


def _count(ref: dict, trial: Trial) -> Interval:
    if "n" in ref:
        return Interval(ref["n"], ref["n"])
    if "arm" in ref:
        n = trial.arm(ref["arm"]).n
        return Interval(n, n)
    return stated(trial.claim(ref["claim"]))


def _exact(ref: dict, trial: Trial) -> int:
    """An integer n; load_trial guarantees claim references used so are exact counts."""
    return int(_count(ref, trial).lo)


def _ci_bounds(claim: dict) -> tuple[Interval, Interval]:
    ci = claim["ci"]
    return _rounded(claim, ci["lower"]), _rounded(claim, ci["upper"])


# Each check: (claim, argument from trial.yaml, trial) -> (passed, what was compared).
Check = Callable[[dict, Any, Trial], tuple[bool, str]]


def _percent_of(claim: dict, ref: dict, trial: Trial) -> tuple[bool, str]:
    n = _exact(ref, trial)
    counts = counts_from_percent(claim["value"], n, decimals(claim))
    return bool(counts), f"count(s) {counts} of {n}" if counts else f"no integer count of {n} gives {claim['value']}%"


def _fraction(claim: dict, arg: dict, trial: Trial) -> tuple[bool, str]:
    k, n = _exact(arg["numerator"], trial), _exact(arg["denominator"], trial)
    ok = k in counts_from_percent(claim["value"], n, decimals(claim))
    return ok, f"{k}/{n} = {100 * k / n:.{decimals(claim) + 2}f}%"


def _share_of_unknown_total(claim: dict, ref: dict, trial: Trial) -> tuple[bool, str]:
    part, share, d = _exact(ref, trial), stated(claim), decimals(claim)
    if share.lo <= 0:
        return False, "a zero share fits no finite total"
    candidates = range(max(part, 1, math.floor(100 * part / share.hi)), math.ceil(100 * part / share.lo) + 1)
    totals = [n for n in candidates if part in counts_from_percent(claim["value"], n, d)]
    return bool(totals), f"{part} of total(s) {totals}" if totals else f"no integer total gives {part} = {claim['value']}%"


def _sum_of(claim: dict, refs: list[dict], trial: Trial) -> tuple[bool, str]:
    parts = [_count(ref, trial) for ref in refs]
    total = Interval(sum(p.lo for p in parts), sum(p.hi for p in parts))
    return total.meets(stated(claim)), f"sum of parts {total}"


def _ratio(claim: dict, arg: dict, trial: Trial) -> tuple[bool, str]:
    num, den = _count(arg["numerator"], trial), _count(arg["denominator"], trial)
    ratio = Interval(num.lo / den.hi, num.hi / den.lo)
    return ratio.meets(stated(claim)), f"ratio {ratio}"


def _one_minus(claim: dict, hr_id: str, trial: Trial) -> tuple[bool, str]:
    hr = stated(trial.claim(hr_id))
    implied = Interval(100 * (1 - hr.hi), 100 * (1 - hr.lo))
    return implied.meets(stated(claim)), f"100 x (1 - {hr_id}) = {implied}%"


def _equals(claim: dict, other_id: str, trial: Trial) -> tuple[bool, str]:
    other = stated(trial.claim(other_id))
    return other.meets(stated(claim)), f"{other_id} = {other}"


def _ci_contains_estimate(claim: dict, _: bool, trial: Trial) -> tuple[bool, str]:
    lower, upper, value = claim["ci"]["lower"], claim["ci"]["upper"], claim["value"]
    ok = (lower is None or lower <= value) and (upper is None or value <= upper)
    return ok, f"CI {_fmt(lower)} to {_fmt(upper)}"


def _wald_symmetric(claim: dict, _: bool, trial: Trial) -> tuple[bool, str]:
    lower, upper = _ci_bounds(claim)
    centre = Interval(math.sqrt(max(lower.lo, 0) * max(upper.lo, 0)), math.sqrt(lower.hi * upper.hi))
    return centre.meets(stated(claim)), f"geometric mean of CI {centre}"


def _p_from_ci(claim: dict, hr_id: str, trial: Trial) -> tuple[bool, str]:
    hr = trial.claim(hr_id)
    estimate, (lower, upper) = stated(hr), _ci_bounds(hr)
    tiny = 1e-12
    se_min = max(math.log(upper.lo) - math.log(lower.hi), tiny) / (2 * Z95)
    se_max = (math.log(upper.hi) - math.log(max(lower.lo, tiny))) / (2 * Z95)
    logs = [abs(math.log(max(estimate.lo, tiny))), abs(math.log(estimate.hi))]
    z_min = 0.0 if estimate.lo <= 1 <= estimate.hi else min(logs) / se_max
    implied = Interval(2 * norm.sf(max(logs) / se_min), 2 * norm.sf(z_min))
    return implied.meets(stated(claim)), f"Wald p from {hr_id} CI {implied}"


CHECKS: dict[str, Check] = {
    "percent_of": _percent_of,
    "fraction": _fraction,
    "share_of_unknown_total": _share_of_unknown_total,
    "sum_of": _sum_of,
    "ratio": _ratio,
    "one_minus": _one_minus,
    "equals": _equals,
    "ci_contains_estimate": _ci_contains_estimate,
    "wald_symmetric": _wald_symmetric,
    "p_from_ci": _p_from_ci,
}


def check_claim(claim: dict, trial: Trial) -> list[tuple[str, bool, str]]:
    """(check name, passed, what was compared) for each consistency check the claim declares."""
    return [(name, *CHECKS[name](claim, arg, trial)) for name, arg in claim.get("checks", {}).items()]


@dataclass(frozen=True)
class Regenerated:
    estimate: float | None
    lower: float | None = None
    upper: float | None = None


class ResultsDir:
    """The results directory, each JSON file read once."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._files: dict[str, Any] = {}

    def _file(self, name: str) -> Any:
        if name not in self._files:
            path = self.folder / name
            try:
                self._files[name] = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise InputError(path, "results file not found") from None
            except json.JSONDecodeError as err:
                raise InputError(path, f"not valid JSON: {err.msg}", row=err.lineno) from err
        return self._files[name]

    def get(self, text: str) -> Regenerated:
        """The number at ``FILE#KEY.KEY``; a {estimate, lower, upper} node gives its estimate and interval."""
        file, keys = parse_result_path(text)
        node = self._file(file)
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                raise InputError(self.folder / file, f"no key {'.'.join(keys)!r}")
            node = node[key]
        if isinstance(node, dict) and "estimate" in node:
            return Regenerated(node["estimate"], node.get("lower"), node.get("upper"))
        if node is None or (isinstance(node, (int, float)) and not isinstance(node, bool)):
            return Regenerated(node)
        raise InputError(self.folder / file, f"{'.'.join(keys)!r} is not a number or an estimate")


def regenerate(claim: dict, results: ResultsDir) -> Regenerated:
    """The claim's number from the results, in the claim's unit (percent claims scale proportions by 100)."""
    spec = claim["regenerate"]
    paths = [spec["path"]] if isinstance(spec["path"], str) else spec["path"]
    values = [results.get(p) for p in paths]
    if len(values) == 1:
        value = values[0]
    else:  # a sum: its parts' intervals do not make one for the total
        estimates = [v.estimate for v in values]
        value = Regenerated(None if None in estimates else sum(estimates))
    if spec.get("transform") == "one_minus":  # 1 - x reverses the interval: upper becomes lower
        value = Regenerated(*(None if x is None else 1 - x for x in (value.estimate, value.upper, value.lower)))
    scale = 100 if claim["unit"] == "percent" else 1
    return Regenerated(*(None if x is None else x * scale for x in (value.estimate, value.lower, value.upper)))


def agrees(claim: dict, x: float, tolerance: float | None) -> bool:
    """Whether a regenerated x reproduces the claim: within tolerance, or on the stated side of a bound."""
    value, comparator = claim["value"], claim.get("comparator", "=")
    if comparator in ("=", "~"):
        return abs(x - value) <= tolerance + _SLACK * max(1.0, abs(value))
    return {"<": x < value, "<=": x <= value, ">": x > value, ">=": x >= value}[comparator]


def _fmt(x: float | None) -> str:
    return "NE" if x is None else f"{x:.4g}"


def evaluate_claim(claim: dict, trial: Trial, results: ResultsDir) -> dict[str, Any]:
    """One row of the claims table."""
    value = claim.get("value")
    notes = []
    if claim.get("source_ref") == "abstract":
        notes.append("source: published abstract")
    if claim.get("comparator", "=") != "=":
        notes.append(f"published as {claim['comparator']} {value}")
    if "ci" in claim:
        notes.append(f"published 95% CI {_fmt(claim['ci']['lower'])} to {_fmt(claim['ci']['upper'])}")
    regenerated = difference = tolerance = None
    if "regenerate" in claim:
        tolerance = claim["regenerate"].get("tolerance")
        found = regenerate(claim, results)
        regenerated = found.estimate
        if regenerated is None:
            notes.append("not estimable from the reconstruction")
        elif claim.get("comparator", "=") in ("=", "~"):  # a bound has no distance to report
            difference = regenerated - value
        if found.lower is not None or found.upper is not None:
            notes.append(f"regenerated 95% CI {_fmt(found.lower)} to {_fmt(found.upper)}")
    outcomes = check_claim(claim, trial)
    failed = [f"{name} FAILED ({detail})" for name, ok, detail in outcomes if not ok]
    passed = [f"{name} ok ({detail})" for name, ok, detail in outcomes if ok]
    notes.extend(failed + passed)
    if failed:
        status = "inconsistent"
    elif "regenerate" not in claim:
        status = "input-only"
    elif regenerated is not None and agrees(claim, regenerated, tolerance):
        status = "reproduced"
    else:
        status = "differs"
    return {
        "id": claim["id"],
        "description": claim["description"],
        "published": value,
        "regenerated": regenerated,
        "difference": difference,
        "tolerance": tolerance,
        "status": status,
        "note": "; ".join(notes),
    }


def evaluate_claims(trial: Trial, results_dir: str | Path) -> pd.DataFrame:
    """The claims table (COLUMNS) of a trial against its results directory, in trial.yaml order."""
    results = ResultsDir(results_dir)
    return pd.DataFrame([evaluate_claim(c, trial, results) for c in trial.claims], columns=COLUMNS)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table[COLUMNS].astype(object).where(table[COLUMNS].notna(), None).to_dict("records")


def write_claims_csv(table: pd.DataFrame, path: str | Path) -> None:
    write_csv_atomic(path, table[COLUMNS])


def write_claims_json(table: pd.DataFrame, path: str | Path) -> None:
    write_json_atomic(path, _records(table))
