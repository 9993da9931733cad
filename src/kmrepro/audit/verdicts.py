"""Verdicts on a regenerated number: exact, reproduced or differs, judged against its reconstruction interval.

A published number is rounded, and a regenerated one is uncertain; a fixed tolerance typed by hand
ignores both (±0.05 is 20 % of an HR of 0.25 and 5 % of one of 0.95). So:

* ``exact``: the regenerated value, rounded as the publication printed it, is the published value.
  A regenerated value exactly half a unit away could print either way depending on the software's
  rounding rule, so it counts as exact;
* ``reproduced``: not exact, but the published value lies inside the reconstruction interval
  widened by half a printed unit (the published number stands for everything that rounds to it);
* ``differs``: outside it; the note says by how much, in widths of the interval.

A bound ("< 0.0001") is exact when the regenerated value satisfies it and reproduced when the widened
interval reaches it. A tolerance is only an override and must state its reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

STATUSES = ("exact", "reproduced", "differs")
#: The statuses that say the publication's number is supported by its figure.
AGREEING = ("exact", "reproduced")
#: Relative floating-point slack on comparisons: 100 x 0.255 is not exactly 25.5.
_SLACK = 1e-9


def half_unit(decimals: int) -> float:
    """Half a unit of the last printed place: 0.005 for two decimals."""
    return 0.5 * 10.0**-decimals


@dataclass(frozen=True)
class Override:
    """A tolerance typed into trial.yaml instead of the interval, with the reason it is needed."""

    tolerance: float
    reason: str

    def __post_init__(self):
        if not self.reason or not self.reason.strip():
            raise ValueError("a tolerance override needs a stated reason")
        if not self.tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance}")


@dataclass(frozen=True)
class Verdict:
    status: str  # one of STATUSES
    note: str


def _le(a: float, b: float) -> bool:
    """a <= b up to floating-point noise."""
    if math.isinf(a) or math.isinf(b):
        return a <= b
    return a <= b + _SLACK * max(1.0, abs(a), abs(b))


def _fmt(x: float) -> str:
    return "not reached" if math.isinf(x) else f"{x:.4g}"


def _ends(interval: Mapping) -> tuple[float, float]:
    """Interval ends as numbers; a missing end is unbounded (a median not reached is +inf)."""
    lower, upper = interval.get("lower"), interval.get("upper")
    return (-math.inf if lower is None and upper is not None else math.inf if lower is None else lower,
            math.inf if upper is None else upper)


def is_exact(published: float, regenerated: float, decimals: int, comparator: str = "=") -> bool:
    """Whether the regenerated value prints as the published one (or satisfies a published bound)."""
    if comparator in ("<", "<="):
        return regenerated < published or (comparator == "<=" and _le(regenerated, published))
    if comparator in (">", ">="):
        return regenerated > published or (comparator == ">=" and _le(published, regenerated))
    return _le(abs(regenerated - published), half_unit(decimals))


def _distance_note(published: float, lo: float, hi: float, widened: tuple[float, float]) -> str:
    """How far the published value lies outside the widened interval, in interval widths."""
    gap = widened[0] - published if published < widened[0] else published - widened[1]
    side = "below" if published < widened[0] else "above"
    width = hi - lo
    span = f"{_fmt(lo)} to {_fmt(hi)}"
    if math.isinf(gap):
        return f"published value lies {side} the reconstruction interval {span}"
    if width > 0 and math.isfinite(width):
        return f"published value lies {gap / width:.2g} interval widths {side} the reconstruction interval {span}"
    return f"published value lies {gap:.4g} {side} the reconstruction interval {span} (zero width)"


def judge(
    published: float,
    regenerated: float | None,
    decimals: int,
    interval: Mapping | None = None,
    comparator: str = "=",
    override: Override | None = None,
) -> Verdict:
    """The verdict on one regenerated number.

    ``interval``: ``{lower, upper, ...}`` of the reconstruction interval, in the claim's unit
    (``reliable: False`` is noted); ``comparator``: "=" / "~" for a printed value, "<", "<=", ">",
    ">=" for a printed bound; ``override``: judge against ``published ± tolerance`` instead.
    """
    if regenerated is None:
        return Verdict("differs", "not estimable from the reconstruction")
    h = half_unit(decimals)
    notes = []
    if interval is not None and interval.get("reliable") is False:
        notes.append(f"interval unreliable ({interval.get('failed')} of {interval.get('draws')} draws failed)")
    if is_exact(published, regenerated, decimals, comparator):
        return Verdict("exact", "; ".join(notes))
    if override is not None:
        ok = _le(abs(regenerated - published), override.tolerance) if comparator in ("=", "~") else False
        notes.insert(0, f"tolerance override ±{override.tolerance:g} ({override.reason})")
        return Verdict("reproduced" if ok else "differs", "; ".join(notes))
    if interval is None:
        notes.insert(0, "no reconstruction interval")
        return Verdict("differs", "; ".join(notes))
    lo, hi = _ends(interval)
    widened = (lo - h, hi + h)
    if comparator in ("<", "<="):
        inside = _le(widened[0], published) if comparator == "<=" else widened[0] < published
        if not inside:
            notes.insert(0, f"published bound {comparator} {published:g} lies below the interval "
                            f"{_fmt(lo)} to {_fmt(hi)}")
    elif comparator in (">", ">="):
        inside = _le(published, widened[1]) if comparator == ">=" else published < widened[1]
        if not inside:
            notes.insert(0, f"published bound {comparator} {published:g} lies above the interval "
                            f"{_fmt(lo)} to {_fmt(hi)}")
    else:
        inside = _le(widened[0], published) and _le(published, widened[1])
        if not inside:
            notes.insert(0, _distance_note(published, lo, hi, widened))
    return Verdict("reproduced" if inside else "differs", "; ".join(notes))
