"""Response rates rebuilt from published percentages and arm sizes.

Papers print "56% (53/95)" or only "56%"; the count is recoverable because only a few integers k
give 100k/n that rounds to the printed value. The same inversion checks claims for consistency.
"""

from __future__ import annotations

import math
from fractions import Fraction

from scipy.stats import beta, norm

from kmrepro.printed import printed_decimals

DIFFERENCE_METHOD = "arm minus reference; Newcombe hybrid score (Wilson) CI, Newcombe 1998 method 10"


def _check_n(n: int) -> None:
    if isinstance(n, bool) or int(n) != n or n <= 0:
        raise ValueError(f"arm size must be a positive integer, got {n}")


def _check_count(k: int, n: int) -> None:
    _check_n(n)
    if int(k) != k or not 0 <= k <= n:
        raise ValueError(f"count must be an integer in 0..{n}, got {k}")


def counts_from_percent(percent: float, n: int, decimals: int = 0) -> list[int]:
    """All k in 0..n whose 100k/n rounds half-up (at ``decimals``) to ``percent``.

    Exact rational arithmetic, so a percentage exactly on a .5 boundary is decided as printed
    tables do (half up), not by binary floating-point noise. An empty list means no count fits.
    """
    _check_n(n)
    if int(decimals) != decimals or decimals < 0 or not 0 <= percent <= 100:
        raise ValueError(f"percent must be within 0..100 and decimals >= 0, got {percent} at {decimals}")
    half_step = Fraction(1, 2 * 10**decimals)
    published = Fraction(str(percent))
    return [k for k in range(n + 1) if published - half_step <= Fraction(100 * k, n) < published + half_step]


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact binomial CI (as R binom.test), the usual choice for single-arm response rates."""
    _check_count(k, n)
    lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def rate_difference(k1: int, n1: int, k2: int, n2: int, alpha: float = 0.05) -> tuple[float, float, float]:
    """p1 - p2 with Newcombe's hybrid score CI (Stat Med 1998;17:873, method 10).

    Chosen because it is closed-form, stays within [-1, 1], keeps near-nominal coverage for small
    arms and rates near 0 or 1, and is what most trial reports' "Newcombe" or "Wilson" CIs are.
    """
    _check_count(k1, n1)
    _check_count(k2, n2)
    z = float(norm.ppf(1 - alpha / 2))
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _wilson(k1, n1, z)
    l2, u2 = _wilson(k2, n2, z)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def _count(rid: str, arm: str, percent: float, n: int, decimals: int) -> tuple[int, list[int]]:
    candidates = counts_from_percent(percent, n, decimals)
    if not candidates:
        raise ValueError(f"response {rid!r}, arm {arm!r}: no count out of {n} rounds to {percent}%")
    target = Fraction(str(percent)) * n / 100
    middle = min(candidates, key=lambda k: (abs(k - target), k))
    return middle, candidates


def summarise_response(spec: dict, arm_ns: dict[str, int], reference: str, alpha: float = 0.05) -> dict:
    """One entry of response.json from a trial.yaml ``response`` item.

    ``spec`` holds ``id``, ``label``, ``percent`` {arm: value} and optionally ``decimals`` (else read
    off each value). When several counts fit, the one nearest percent*n/100 (the middle) is used
    and all are kept in ``count_candidates``.
    """
    rid = spec.get("id", "?")
    percents = spec["percent"]
    if reference not in percents or len(percents) != 2:
        raise ValueError(f"response {rid!r}: need percentages for two arms including {reference!r}")
    unknown = set(percents) - set(arm_ns)
    if unknown:
        raise ValueError(f"response {rid!r}: unknown arm(s) {sorted(unknown)}")
    arms = {}
    for arm, percent in percents.items():
        n = arm_ns[arm]
        count, candidates = _count(rid, arm, percent, n, spec.get("decimals", printed_decimals(percent)))
        lower, upper = clopper_pearson(count, n, alpha)
        arms[arm] = {
            "n": n,
            "percent_published": percent,
            "count": count,
            "count_candidates": candidates,
            "rate": count / n,
            "lower": lower,
            "upper": upper,
        }
    (arm,) = [a for a in percents if a != reference]
    estimate, lower, upper = rate_difference(arms[arm]["count"], arm_ns[arm], arms[reference]["count"], arm_ns[reference], alpha)
    return {
        "label": spec.get("label", rid),
        "arms": arms,
        "difference": {"estimate": estimate, "lower": lower, "upper": upper, "method": DIFFERENCE_METHOD},
    }
