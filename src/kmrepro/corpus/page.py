"""The registry's index.html: one self-contained page (figures inline as SVG data, table sorted and filtered
by a few lines of plain JavaScript), so it opens from a file, an artifact or GitHub Pages alike."""

from __future__ import annotations

import base64
import html

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from kmrepro.audit.verdicts import AGREEING
from kmrepro.publish.plots import COLOURS, PUBLISHED_COLOUR, STYLE, figure_bytes

#: templates/registry.html extends the report's page shell (kmrepro/publish/templates/page.html).
TEMPLATES = Environment(
    loader=ChoiceLoader([PackageLoader("kmrepro.corpus", "templates"), PackageLoader("kmrepro.publish", "templates")]),
    autoescape=True,
    undefined=StrictUndefined,
)

STATUS_COLOURS = {"exact": COLOURS[0], "reproduced": COLOURS[2], "differs": COLOURS[1], "reference-unknown": COLOURS[3]}
WORST_SHOWN = 25

NOTE = (
    "kmdata's individual patient data are themselves a reconstruction: its authors digitized each published "
    "figure and applied the Guyot algorithm. The corpus simulates a digitization of those data and "
    "reconstructs again, so agreement here measures two reconstructions in a row against the paper, not one. "
    "The floor column is the hazard ratio of kmdata's own IPD: what one reconstruction reached."
)



def _svg(fig: Figure, alt: str) -> dict:
    return {"alt": alt, "src": "data:image/svg+xml;base64," + base64.b64encode(figure_bytes(fig, "svg")).decode()}


@matplotlib.rc_context(STYLE)
def scatter_figure(done: pd.DataFrame) -> Figure:
    """Published against regenerated HR on log axes, by status, with the line of equality."""
    fig = Figure(figsize=(5.2, 4.6))
    ax = fig.add_axes((0.14, 0.12, 0.82, 0.8))
    for status, group in done.groupby("status"):
        ax.plot(group["published_hr"], group["regenerated_hr"], "o", markersize=3.5, alpha=0.75,
                color=STATUS_COLOURS.get(status, PUBLISHED_COLOUR), label=f"{status} ({len(group)})")
    values = pd.concat([done["published_hr"], done["regenerated_hr"]])
    low, high = float(values.min()) / 1.2, float(values.max()) * 1.2
    ax.plot([low, high], [low, high], "--", color="#999999", linewidth=0.8)
    ax.set(xscale="log", yscale="log", xlim=(low, high), ylim=(low, high))
    ticks = [v for v in (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5) if low <= v <= high]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.set_yticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    ax.set_xlabel("Published hazard ratio (log scale)")
    ax.set_ylabel("Regenerated hazard ratio (log scale)")
    ax.legend(loc="upper left", fontsize=7.5)
    return fig


@matplotlib.rc_context(STYLE)
def histogram_figure(done: pd.DataFrame) -> Figure:
    """|Δ log HR| of the regenerated HR and, for comparison, of kmdata's own IPD (the floor)."""
    fig = Figure(figsize=(5.2, 3.4))
    ax = fig.add_axes((0.12, 0.16, 0.84, 0.76))
    floor = np.abs(np.log(done["kmdata_ipd_hr"]) - np.log(done["published_hr"]))
    top = max(float(done["abs_dlog_hr"].max()), float(floor.max()), 0.05)
    bins = np.linspace(0, top, 31)
    ax.hist(done["abs_dlog_hr"], bins=bins, color=COLOURS[0], alpha=0.75, label="regenerated (two reconstructions)")
    ax.hist(floor, bins=bins, histtype="step", color=PUBLISHED_COLOUR, linewidth=1.2, label="kmdata's IPD (one)")
    ax.set_xlabel("|Δ log HR| against the published hazard ratio")
    ax.set_ylabel("Figures")
    ax.legend(fontsize=7.5)
    return fig


def _number(x, digits: int = 3) -> str:
    return "" if x is None or pd.isna(x) else f"{x:.{digits}g}" if digits < 0 else f"{x:.{digits}f}"


def _table(table: pd.DataFrame, links: dict[str, str], interactive: bool = False) -> Markup:
    """The rows as an HTML table (every cell escaped here); the interactive one gets the id the script sorts."""
    head = ["trial", "figure", "arm vs reference", "outcome", "year", "published HR", "regenerated HR (95% CI)",
            "floor: kmdata IPD HR", "|Δ log HR|", "status", "likely reason / logs"]  # fmt: skip
    body = []
    for r in table.to_dict("records"):
        report = links.get(r.get("report"))
        trial = html.escape(str(r["trial"] or r["dataset"]))
        trial = f'<a href="{html.escape(report)}">{trial}</a>' if report and r["status"] != "failed" else trial
        ci = "" if pd.isna(r.get("lower")) else f" ({_number(r['lower'], 2)}-{_number(r['upper'], 2)})"
        reason = html.escape(str(r.get("reason") or ""))
        if r.get("logs"):
            reason += "<br><small>" + "<br>".join(html.escape(p) for p in str(r["logs"]).split()) + "</small>"
        pair = "" if pd.isna(r.get("arm")) else f"{r['arm']} vs {r['reference']} ({r['reference_rule']})"
        cells = [trial, html.escape(str(r["endpoint"])), html.escape(pair), html.escape(str(r["outcome"])),
                 _number(r["year"], 0), _number(r["published_hr"], 2), _number(r.get("regenerated_hr"), 2) + ci,
                 _number(r.get("kmdata_ipd_hr"), 2), _number(r.get("abs_dlog_hr"), 3), html.escape(r["status"]),
                 reason]  # fmt: skip
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return Markup(
        ('<table id="registry">' if interactive else "<table>") + "<thead><tr>"
        + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>"
    )


def summary(done: pd.DataFrame) -> dict[str, float]:
    """Median and 90th percentile of |Δ log HR|, regenerated and kmdata's own IPD (the floor)."""
    floor = np.abs(np.log(done["kmdata_ipd_hr"]) - np.log(done["published_hr"]))
    return {
        "median": float(done["abs_dlog_hr"].median()),
        "p90": float(done["abs_dlog_hr"].quantile(0.9)),
        "floor_median": float(floor.median()),
        "floor_p90": float(floor.quantile(0.9)),
    }


def registry_page(table: pd.DataFrame, links: dict[str, str]) -> str:
    done = table[table["abs_dlog_hr"].notna()].copy()
    worst = table[~table["status"].isin(AGREEING)].sort_values("abs_dlog_hr", ascending=False, na_position="first")
    plots = []
    if not done.empty:
        plots = [
            _svg(scatter_figure(done), "Scatter of published against regenerated hazard ratios, log axes"),
            _svg(histogram_figure(done), "Histogram of |Δ log HR|"),
        ]
    return TEMPLATES.get_template("registry.html").render(
        title="kmdata corpus registry",
        note=NOTE,
        counts=list(table["status"].value_counts().items()),
        figures=len(table),
        papers=table["trial"].replace("", np.nan).nunique(),
        summary=summary(done) if not done.empty else None,
        plots=plots,
        worst_shown=min(len(worst), WORST_SHOWN),
        not_agreeing=len(worst),
        worst=_table(worst.head(WORST_SHOWN), links),
        everything=_table(table.sort_values(["trial", "endpoint", "dataset"]), links, interactive=True),
    ) + "\n"
