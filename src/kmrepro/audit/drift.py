"""Claim drift: what changed in a trial's claims table since a previous one, claim by claim.

The previous table is the last published one (the copy on the project's GitHub Pages site) or a committed
baseline (``baselines/<trial>/claims.csv``). A claim has *changed* when its status, regenerated value,
published value or tolerance differs (numbers compared to a relative 1e-9, so float noise in the last digit
is not a change; a move between ``exact``, ``reproduced`` and ``differs`` is a change); claims added or
removed are listed too. A *regression* is a claim whose status was ``exact`` or ``reproduced`` and now is
neither, or that is gone: the scheduled CI job fails on any (``kmrepro drift``
exits 1), after printing the listing. Anything else that changed is printed and does not fail.
"""

from __future__ import annotations

import csv
import io
import math
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kmrepro.audit.verdicts import AGREEING
from kmrepro.errors import InputError

#: Statuses that count as reproduced: leaving them is a regression (exact -> reproduced is only a change).
REQUIRED = ("id", "status", "regenerated")
#: Columns whose change makes a claim "changed" (when present in both tables).
COMPARED = ("status", "regenerated", "published", "tolerance")
_REL_TOL = 1e-9
NONE = "(none)"


@dataclass(frozen=True)
class ClaimsTable:
    """One claims.csv: rows by claim id, in file order, and where it came from."""

    source: str
    rows: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Change:
    id: str
    kind: str  # "changed", "added" or "removed"
    old: dict[str, str] | None
    new: dict[str, str] | None

    def _get(self, row: dict[str, str] | None, column: str) -> str:
        value = None if row is None else row.get(column)
        return value if value not in (None, "") else NONE

    @property
    def regressed(self) -> bool:
        """Was exact or reproduced, is neither any more (or is gone)."""
        return self._get(self.old, "status") in AGREEING and self._get(self.new, "status") not in AGREEING

    def line(self) -> str:
        status = f"{self._get(self.old, 'status')} -> {self._get(self.new, 'status')}"
        parts = [f"{self.id}: {status}" + ("" if self.kind == "changed" else f" ({self.kind})")]
        parts.append(f"regenerated {self._get(self.old, 'regenerated')} -> {self._get(self.new, 'regenerated')}")
        for column in ("published", "tolerance"):
            if self.kind == "changed" and not same_value(self._get(self.old, column), self._get(self.new, column)):
                parts.append(f"{column} {self._get(self.old, column)} -> {self._get(self.new, column)}")
        text = "; ".join(parts)
        return f"{text}  [NO LONGER REPRODUCED]" if self.regressed else text


def parse_claims(text: str, source: str) -> ClaimsTable:
    """A claims table from CSV text; malformed input raises InputError naming ``source`` (and the row)."""
    if not text.strip():
        raise InputError(source, "file is empty")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(source, f"missing columns {', '.join(missing)} (a claims.csv has {', '.join(REQUIRED)}, ...)", row=1)
    rows: dict[str, dict[str, str]] = {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise InputError(source, "more fields than the header has", row=number)
        claim = (row.get("id") or "").strip()
        if not claim:
            raise InputError(source, "empty claim id", row=number)
        if claim in rows:
            raise InputError(source, f"duplicate claim id {claim!r}", row=number)
        rows[claim] = {k: (v or "") for k, v in row.items()}
    return ClaimsTable(source=source, rows=rows)


def read_claims(path: str | Path) -> ClaimsTable:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot read: {err}") from None
    return parse_claims(text, str(path))


def fetch_claims(url: str, timeout: float = 20.0) -> tuple[ClaimsTable | None, str]:
    """The claims table at ``url`` (e.g. the last published copy), or None and why it could not be had."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            text = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError, ValueError, UnicodeDecodeError) as err:
        return None, f"{url} not reachable ({getattr(err, 'reason', err)})"
    try:
        return parse_claims(text, url), ""
    except InputError as err:
        return None, f"{url} is not a claims table ({err.message})"


def same_value(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=_REL_TOL, abs_tol=0.0)


def compare(old: ClaimsTable, new: ClaimsTable) -> list[Change]:
    """Changed and added claims in the current table's order, then removed ones in the previous order."""
    changes = []
    for claim, row in new.rows.items():
        before = old.rows.get(claim)
        if before is None:
            changes.append(Change(claim, "added", None, row))
        elif any(c in before and c in row and not same_value(before[c], row[c]) for c in COMPARED):
            changes.append(Change(claim, "changed", before, row))
    changes += [Change(claim, "removed", row, None) for claim, row in old.rows.items() if claim not in new.rows]
    return changes


def report(old: ClaimsTable, new: ClaimsTable, changes: list[Change]) -> str:
    """The listing ``kmrepro drift`` prints: a heading, one line per changed claim, a summary."""
    lines = [f"claim drift of {new.source} ({len(new.rows)} claims) against {old.source} ({len(old.rows)} claims):"]
    lines += [f"  {change.line()}" for change in changes]
    regressions = sum(change.regressed for change in changes)
    if not changes:
        lines.append("  no claim changed.")
    else:
        lines.append(
            f"  {len(changes)} claim{'s' if len(changes) != 1 else ''} changed, "
            f"{regressions} no longer reproduced."
        )
    return "\n".join(lines) + "\n"


def regressions(changes: list[Change]) -> list[Change]:
    return [change for change in changes if change.regressed]
