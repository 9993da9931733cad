"""How numbers look in the report, its tables and figures: fixed decimals, CIs with an en dash, P values as
journals print them, and one marker (kmrepro.printed.NOT_ESTIMABLE) for what could not be estimated."""

from __future__ import annotations

import math
from collections.abc import Mapping

from kmrepro.printed import NOT_ESTIMABLE

#: An empty table cell (a value that does not apply, not one that could not be estimated).
EMPTY_CELL = "\u2014"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_number(x: float | None, decimals: int = 1) -> str:
    if _missing(x):
        return NOT_ESTIMABLE
    return f"{x:.{decimals}f}"


def format_ci(value: Mapping | None, decimals: int = 1) -> str:
    """``{estimate, lower, upper}`` as ``7.1 (5.5-10.3)``; an end that was not reached prints as NE."""
    if value is None:
        return NOT_ESTIMABLE
    estimate = format_number(value.get("estimate"), decimals)
    if "lower" not in value and "upper" not in value:
        return estimate
    return f"{estimate} ({format_number(value.get('lower'), decimals)}\u2013{format_number(value.get('upper'), decimals)})"


def format_percent_ci(value: Mapping | None) -> str:
    """A proportion with its CI, ``{estimate, lower, upper}`` in 0-1, as percentages with one decimal."""
    if value is None:
        return NOT_ESTIMABLE
    return format_ci({k: None if v is None else 100 * v for k, v in value.items()}, 1)


def format_p(p: float | None) -> str:
    """P values with their relation sign as journals print them: ``< 0.0001``, ``= 0.0004``, ``= 0.003``, ``= 0.21``."""
    if _missing(p):
        return NOT_ESTIMABLE
    if p < 1e-4:
        return "< 0.0001"
    if p >= 0.001:
        return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"
    return f"= {p:.4f}"


def format_cell(x) -> str:
    """A scorecard cell: missing as a dash, floats to 4 significant digits, anything else as text."""
    if _missing(x):
        return EMPTY_CELL
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)
