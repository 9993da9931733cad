"""The registry's index.html: one self-contained page (figures inline as SVG data, table sorted and filtered
by a few lines of plain JavaScript), so it opens from a file, an artifact or GitHub Pages alike."""

from __future__ import annotations

import base64
import html

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kmrepro.publish.plots import COLOURS, PUBLISHED_COLOUR, STYLE, figure_bytes
from kmrepro.publish.render import page

STATUS_COLOURS = {"reproduced": COLOURS[2], "differs": COLOURS[1], "reference-unknown": COLOURS[3]}
WORST_SHOWN = 25

NOTE = (
    "kmdata's individual patient data are themselves a reconstruction: its authors digitized each published "
    "figure and applied the Guyot algorithm. The corpus simulates a digitization of those data and "
    "reconstructs again, so agreement here measures two reconstructions in a row against the paper, not one. "
    "The floor column is the hazard ratio of kmdata's own IPD: what one reconstruction reached."
)

SCRIPT = """
const table = document.getElementById('registry');
const rows = () => Array.from(table.tBodies[0].rows);
document.getElementById('filter').addEventListener('input', e => {
  const words = e.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
  for (const row of rows()) {
    const text = row.textContent.toLowerCase();
    row.hidden = !words.every(w => text.includes(w));
  }
});
table.tHead.addEventListener('click', e => {
  const th = e.target.closest('th'); if (!th) return;
  const i = th.cellIndex, up = th.dataset.dir !== 'up'; th.dataset.dir = up ? 'up' : 'down';
  const key = r => { const t = r.cells[i].dataset.v ?? r.cells[i].textContent; const x = parseFloat(t);
                     return Number.isNaN(x) ? t : x; };
  const sorted = rows().sort((a, b) => { const x = key(a), y = key(b);
    const c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === 'number' ? -1 : 1);
    return up ? c : -c; });
  for (const r of sorted) table.tBodies[0].appendChild(r);
});
"""


def _svg(fig: Figure, alt: str) -> str:
    data = base64.b64encode(figure_bytes(fig, "svg")).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


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


def _table(table: pd.DataFrame, links: dict[str, str], interactive: bool = False) -> str:
    """The rows as an HTML table; the interactive one (one per page) gets the filter box and sorting."""
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
    controls = (
        '<p><input id="filter" type="search" placeholder="Filter rows (all words must match)" size="50"> '
        "Click a column heading to sort.</p>"
    )
    return (
        (controls if interactive else "")
        + ('<table id="registry">' if interactive else "<table>") + "<thead><tr>"
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
    counts = table["status"].value_counts()
    parts = [
        "<h1>kmdata corpus: published vs regenerated hazard ratios</h1>",
        f'<div class="banner synthetic"><p><strong>{html.escape(NOTE)}</strong></p></div>',
        "<h2>Counts by status</h2><ul>"
        + "".join(f"<li>{html.escape(s)}: {n}</li>" for s, n in counts.items())
        + f"</ul><p>{len(table)} figures; {table['trial'].replace('', np.nan).nunique()} papers.</p>",
    ]
    if not done.empty:
        s = summary(done)
        parts += [
            f"<p>|Δ log HR| against the published HR: median {s['median']:.3f}, 90th percentile {s['p90']:.3f}; "
            f"kmdata's own IPD (the floor): median {s['floor_median']:.3f}, 90th percentile {s['floor_p90']:.3f}.</p>",
            "<h2>Published against regenerated</h2>",
            _svg(scatter_figure(done), "Scatter of published against regenerated hazard ratios, log axes"),
            _svg(histogram_figure(done), "Histogram of |Δ log HR|"),
        ]
    worst = table[table["status"] != "reproduced"].sort_values("abs_dlog_hr", ascending=False, na_position="first")
    parts += [
        f"<h2>Worst agreements first ({min(len(worst), WORST_SHOWN)} of {len(worst)} not reproduced)</h2>",
        _table(worst.head(WORST_SHOWN), links),
        "<h2>All figures</h2>",
        _table(table.sort_values(["trial", "endpoint", "dataset"]), links, interactive=True),
    ]
    return page("\n".join(parts) + f"<script>{SCRIPT}</script>", "kmdata corpus registry")
