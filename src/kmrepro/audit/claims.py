"""Audit every published number: regenerate it from the results, or check it against the paper's other numbers.

A printed number is a rounded one, so each is read as the interval it stands for (7.1 is 7.05 to 7.15, an
exact count is itself, "P<0.0001" is everything below 0.0001); a consistency check passes when the number
derived from the other claims could have printed as this one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import norm

from kmrepro.errors import InputError
from kmrepro.printed import NOT_ESTIMABLE
from kmrepro.io import write_csv_atomic, write_json_atomic
from kmrepro.analysis.response import counts_from_percent
from kmrepro.audit.trial import Claim, Trial
from kmrepro.audit.verdicts import Override, judge
from kmrepro.results import ResultFiles, parse_result_path

COLUMNS = ["id", "description", "published", "regenerated", "difference", "tolerance", "status", "note"]
Z95 = float(norm.ppf(0.975))
_SLACK = 1e-9  # relative floating-point slack on interval ends; far below any printed precision


def _at_most(a: float, b: float) -> bool:
    """a <= b up to floating-point noise (100 x (1 - 0.255) is not exactly 74.5)."""
    if math.isinf(a) or math.isinf(b):
        return a <= b
    return a <= b + _SLACK * max(abs(a), abs(b))


@dataclass(frozen=True)
class ValueRange:
    lo: float
    hi: float

    def meets(self, other: ValueRange) -> bool:
        return _at_most(self.lo, other.hi) and _at_most(other.lo, self.hi)

    def __str__(self) -> str:
        return f"{self.lo:.4g}" if self.lo == self.hi else f"{self.lo:.4g} to {self.hi:.4g}"


def _rounded(claim: Claim, x: float) -> ValueRange:
    half = 0.5 * 10 ** -claim.decimals
    return ValueRange(x - half, x + half)


def stated(claim: Claim) -> ValueRange:
    """The values a claim's printed number stands for."""
    value, comparator = claim.value, claim.comparator
    if comparator in ("<", "<="):
        return ValueRange(-math.inf, value)
    if comparator in (">", ">="):
        return ValueRange(value, math.inf)
    if claim.unit == "count" and comparator == "=":
        return ValueRange(value, value)
    return _rounded(claim, value)


def _count(ref: dict, trial: Trial) -> ValueRange:
    if "n" in ref:
        return ValueRange(ref["n"], ref["n"])
    if "arm" in ref:
        n = trial.arm(ref["arm"]).n
        return ValueRange(n, n)
    return stated(trial.claim(ref["claim"]))


def _exact(ref: dict, trial: Trial) -> int:
    """An integer n; load_trial guarantees claim references used so are exact counts."""
    return int(_count(ref, trial).lo)


def _ci_bounds(claim: Claim) -> tuple[ValueRange, ValueRange]:
    return _rounded(claim, claim.ci.lower), _rounded(claim, claim.ci.upper)


# Each check: (claim, argument from trial.yaml, trial) -> (passed, what was compared).
Check = Callable[[Claim, Any, Trial], tuple[bool, str]]


def _percent_of(claim: Claim, ref: dict, trial: Trial) -> tuple[bool, str]:
    n = _exact(ref, trial)
    counts = counts_from_percent(claim.value, n, claim.decimals)
    return bool(counts), f"count(s) {counts} of {n}" if counts else f"no integer count of {n} gives {claim.value}%"


def _fraction(claim: Claim, arg: dict, trial: Trial) -> tuple[bool, str]:
    k, n = _exact(arg["numerator"], trial), _exact(arg["denominator"], trial)
    ok = k in counts_from_percent(claim.value, n, claim.decimals)
    return ok, f"{k}/{n} = {100 * k / n:.{claim.decimals + 2}f}%"


def _share_of_unknown_total(claim: Claim, ref: dict, trial: Trial) -> tuple[bool, str]:
    part, share, d = _exact(ref, trial), stated(claim), claim.decimals
    if share.lo <= 0:
        return False, "a zero share fits no finite total"
    candidates = range(max(part, 1, math.floor(100 * part / share.hi)), math.ceil(100 * part / share.lo) + 1)
    totals = [n for n in candidates if part in counts_from_percent(claim.value, n, d)]
    return bool(totals), f"{part} of total(s) {totals}" if totals else f"no integer total gives {part} = {claim.value}%"


def _sum_of(claim: Claim, refs: list[dict], trial: Trial) -> tuple[bool, str]:
    parts = [_count(ref, trial) for ref in refs]
    total = ValueRange(sum(p.lo for p in parts), sum(p.hi for p in parts))
    return total.meets(stated(claim)), f"sum of parts {total}"


def _ratio(claim: Claim, arg: dict, trial: Trial) -> tuple[bool, str]:
    num, den = _count(arg["numerator"], trial), _count(arg["denominator"], trial)
    ratio = ValueRange(num.lo / den.hi, num.hi / den.lo)
    return ratio.meets(stated(claim)), f"ratio {ratio}"


def _one_minus(claim: Claim, hr_id: str, trial: Trial) -> tuple[bool, str]:
    hr = stated(trial.claim(hr_id))
    implied = ValueRange(100 * (1 - hr.hi), 100 * (1 - hr.lo))
    return implied.meets(stated(claim)), f"100 x (1 - {hr_id}) = {implied}%"


def _equals(claim: Claim, other_id: str, trial: Trial) -> tuple[bool, str]:
    other = stated(trial.claim(other_id))
    return other.meets(stated(claim)), f"{other_id} = {other}"


def _ci_contains_estimate(claim: Claim, _: bool, trial: Trial) -> tuple[bool, str]:
    (lower, upper), value = claim.ci, claim.value
    ok = (lower is None or lower <= value) and (upper is None or value <= upper)
    return ok, f"CI {_fmt(lower)} to {_fmt(upper)}"


def _wald_symmetric(claim: Claim, _: bool, trial: Trial) -> tuple[bool, str]:
    lower, upper = _ci_bounds(claim)
    centre = ValueRange(math.sqrt(max(lower.lo, 0) * max(upper.lo, 0)), math.sqrt(lower.hi * upper.hi))
    return centre.meets(stated(claim)), f"geometric mean of CI {centre}"


def _p_from_ci(claim: Claim, hr_id: str, trial: Trial) -> tuple[bool, str]:
    hr = trial.claim(hr_id)
    estimate, (lower, upper) = stated(hr), _ci_bounds(hr)
    tiny = 1e-12
    se_min = max(math.log(upper.lo) - math.log(lower.hi), tiny) / (2 * Z95)
    se_max = (math.log(upper.hi) - math.log(max(lower.lo, tiny))) / (2 * Z95)
    logs = [abs(math.log(max(estimate.lo, tiny))), abs(math.log(estimate.hi))]
    z_min = 0.0 if estimate.lo <= 1 <= estimate.hi else min(logs) / se_max
    implied = ValueRange(2 * norm.sf(max(logs) / se_min), 2 * norm.sf(z_min))
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


def check_claim(claim: Claim, trial: Trial) -> list[tuple[str, bool, str]]:
    """(check name, passed, what was compared) for each consistency check the claim declares."""
    return [(name, *CHECKS[name](claim, arg, trial)) for name, arg in claim.checks.items()]


@dataclass(frozen=True)
class Regenerated:
    estimate: float | None
    lower: float | None = None
    upper: float | None = None
    #: the reconstruction interval {lower, upper, draws, failed, reliable}, if the results give one
    interval: dict | None = None


def _reconstruction_interval(results: ResultFiles, text: str) -> dict | None:
    """The interval a stats file gives for a claim path (its ``reconstruction_intervals``), if any."""
    file, keys = parse_result_path(text)
    found = results.json(file)
    return found.get("reconstruction_intervals", {}).get(".".join(keys)) if isinstance(found, dict) else None


def _number(results: ResultFiles, text: str) -> Regenerated:
    """The number at a claim path; a {estimate, lower, upper} node gives its estimate and CI."""
    node = results.lookup(text)
    interval = _reconstruction_interval(results, text)
    if isinstance(node, dict) and "estimate" in node:
        return Regenerated(node["estimate"], node.get("lower"), node.get("upper"), interval)
    if node is None or (isinstance(node, (int, float)) and not isinstance(node, bool)):
        return Regenerated(node, interval=interval)
    file, keys = parse_result_path(text)
    raise InputError(results.path(file), f"{'.'.join(keys)!r} is not a number or an estimate")


def regenerate(claim: Claim, results: ResultFiles) -> Regenerated:
    """The claim's number from the results, in the claim's unit (percent claims scale proportions by 100)."""
    spec = claim.regenerate
    values = [_number(results, p) for p in spec.paths]
    if len(values) == 1:
        value = values[0]
    else:  # a sum: its parts' CIs do not make one for the total; summing interval ends overstates its width
        estimates = [v.estimate for v in values]
        value = Regenerated(None if None in estimates else sum(estimates), interval=_sum_intervals(values))
    if spec.transform == "one_minus":  # 1 - x reverses the interval: upper becomes lower
        value = Regenerated(*(None if x is None else 1 - x for x in (value.estimate, value.upper, value.lower)),
                            interval=_map_interval(value.interval, lambda x: 1 - x, reverse=True))
    scale = 100 if claim.unit == "percent" else 1
    return Regenerated(*(None if x is None else x * scale for x in (value.estimate, value.lower, value.upper)),
                       interval=_map_interval(value.interval, lambda x: x * scale))


def _map_interval(interval: dict | None, f, reverse: bool = False) -> dict | None:
    if interval is None:
        return None
    lower, upper = (None if x is None else f(x) for x in (interval["lower"], interval["upper"]))
    return {**interval, "lower": upper if reverse else lower, "upper": lower if reverse else upper}


def _sum_intervals(values: list[Regenerated]) -> dict | None:
    parts = [v.interval for v in values]
    if any(p is None or p["lower"] is None or p["upper"] is None for p in parts):
        return None
    return {"lower": sum(p["lower"] for p in parts), "upper": sum(p["upper"] for p in parts),
            "draws": min(p["draws"] for p in parts), "failed": max(p["failed"] for p in parts),
            "reliable": all(p["reliable"] for p in parts)}


def _fmt(x: float | None) -> str:
    return NOT_ESTIMABLE if x is None else f"{x:.4g}"


def evaluate_claim(claim: Claim, trial: Trial, results: ResultFiles) -> dict[str, Any]:
    """One row of the claims table."""
    value = claim.value
    notes = []
    if claim.source_ref == "abstract":
        notes.append("source: published abstract")
    if claim.comparator != "=":
        notes.append(f"published as {claim.comparator} {value}")
    if claim.ci is not None:
        notes.append(f"published 95% CI {_fmt(claim.ci.lower)} to {_fmt(claim.ci.upper)}")
    regenerated = difference = tolerance = None
    if claim.regenerate is not None:
        tolerance = claim.regenerate.tolerance
        found = regenerate(claim, results)
        regenerated = found.estimate
        if regenerated is not None and not claim.is_bound:  # a bound has no distance to report
            difference = regenerated - value
        if found.lower is not None or found.upper is not None:
            notes.append(f"regenerated 95% CI {_fmt(found.lower)} to {_fmt(found.upper)}")
        if found.interval is not None:
            notes.append(f"reconstruction interval {_fmt(found.interval['lower'])} to {_fmt(found.interval['upper'])}"
                         f" ({found.interval['draws']} draws)")
        override = None if tolerance is None else Override(tolerance, claim.regenerate.tolerance_reason)
        verdict = judge(value, regenerated, claim.decimals, found.interval, claim.comparator, override)
        if verdict.note:
            notes.insert(0, verdict.note)
    outcomes = check_claim(claim, trial)
    failed = [f"{name} FAILED ({detail})" for name, ok, detail in outcomes if not ok]
    passed = [f"{name} ok ({detail})" for name, ok, detail in outcomes if ok]
    notes.extend(failed + passed)
    if failed:
        status = "inconsistent"
    elif claim.regenerate is None:
        status = "input-only"
    else:
        status = verdict.status
    return {
        "id": claim.id,
        "description": claim.description,
        "published": value,
        "regenerated": regenerated,
        "difference": difference,
        "tolerance": tolerance,
        "status": status,
        "note": "; ".join(notes),
    }


def evaluate_claims(trial: Trial, results: ResultFiles) -> pd.DataFrame:
    """The claims table (COLUMNS) of a trial against the result files it was given, in trial.yaml order."""
    return pd.DataFrame([evaluate_claim(c, trial, results) for c in trial.claims], columns=COLUMNS)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table[COLUMNS].astype(object).where(table[COLUMNS].notna(), None).to_dict("records")


def write_claims_csv(table: pd.DataFrame, path: str | Path) -> None:
    write_csv_atomic(path, table[COLUMNS])


def write_claims_json(table: pd.DataFrame, path: str | Path) -> None:
    write_json_atomic(path, _records(table))
