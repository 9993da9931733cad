"""HTML from the Jinja2 templates in templates/: the environment, and the pieces the report, the site index and
the claims notebook share (claim-status badges, the scorecard, the provenance footer).

Templates autoescape: every value from a file is escaped; tables arrive as HTML from tables.table_html (pandas
escapes every cell). Nothing here draws figures, so the site index and notebooks do not load matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from kmrepro.publish.format import format_cell
from kmrepro.publish.tables import scorecard_order, table_html

#: Claim status -> background colour of its row and badge (contract statuses of claims.csv).
STATUS_COLOURS = {
    "reproduced": "#d8f0d8",
    "differs": "#f8d0cc",
    "inconsistent": "#fbe3b8",
    "input-only": "#e8e8e8",
}

TEMPLATES = Environment(
    loader=PackageLoader("kmrepro.publish", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name fails the build instead of printing nothing
)
TEMPLATES.filters["cell"] = format_cell
TEMPLATES.filters["table"] = lambda frame: Markup(table_html(frame))  # to_html escapes every cell


def render_template(name: str, **context) -> str:
    return TEMPLATES.get_template(name).render(**context)


def status_counts(counts: Mapping[str, int], unknown_colour: str | None = None) -> list[tuple[str, int, str | None]]:
    """(status, count, colour) for the badges: every known status, then any other in alphabetical order."""
    others = sorted(set(counts) - set(STATUS_COLOURS))
    return [(s, int(counts.get(s, 0)), STATUS_COLOURS.get(s, unknown_colour)) for s in [*STATUS_COLOURS, *others]]


def scorecard_context(claims: pd.DataFrame) -> dict:
    """Claims problems first (tables.scorecard_order) with the counts per status."""
    claims = scorecard_order(claims)
    return {
        "counts": status_counts(claims["status"].value_counts().to_dict()),
        "colours": STATUS_COLOURS,
        "columns": list(claims.columns),
        "rows": claims.to_dict("records"),
    }


def scorecard_html(claims: pd.DataFrame) -> str:
    """Counts per status, then every claim as a row coloured by its status, problems first."""
    return render_template("scorecard.html", scorecard=scorecard_context(claims))


def footer_context(provenance: Mapping) -> dict:
    """What the footer shows of a provenance record (kmrepro.publish.provenance; results/<trial>/provenance.json)."""
    built = provenance["built_at"].replace("T", " ").replace("Z", " UTC")
    if provenance.get("built_at_source") == "SOURCE_DATE_EPOCH":
        built += " (from SOURCE_DATE_EPOCH)"
    return {
        "built": built,
        "commit": provenance["git"].get("commit"),
        "dirty": provenance["git"].get("dirty"),
        "snakemake": str(provenance.get("snakemake") or "unknown"),
        "python": provenance["python"]["version"],
        "platform": provenance.get("platform", ""),
        "inputs": pd.DataFrame(
            [{"File": i["path"], "Bytes": i["bytes"], "SHA-256": i["sha256"]} for i in provenance["inputs"]],
            columns=["File", "Bytes", "SHA-256"],
        ),
        "packages": pd.DataFrame(
            [{"Package": name, "Version": version} for name, version in provenance["packages"].items()],
            columns=["Package", "Version"],
        ),
    }


def footer_html(provenance: Mapping) -> str:
    """The report's footer: build time, commit and dirty flag, Snakemake and Python versions, then collapsible
    tables of the input files' SHA-256 and of every installed package."""
    return render_template("footer.html", footer=footer_context(provenance))
