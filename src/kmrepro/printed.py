"""How publications print numbers: the precision a printed value carries, and the mark for "not estimable".

One home for both, because the claim checks, the response counts and the report must read and write printed
numbers the same way.
"""

from __future__ import annotations

from decimal import Decimal

#: What tables, notes and figures print for a value the data cannot estimate (a median never reached, the
#: upper end of its CI): trial reports print it as NE.
NOT_ESTIMABLE = "NE"


def printed_decimals(*values: float) -> int:
    """Decimal places of the most precise of ``values`` as YAML read them (56 -> 0, 55.8 -> 1, 56.0 -> 1)."""
    return max(0, *(-Decimal(repr(x)).as_tuple().exponent for x in values if x is not None))
