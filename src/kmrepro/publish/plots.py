"""Report figures: Kaplan-Meier plots in the style of a journal Figure 1, reconstruction QA and HR forest plots.

Figures are built on bare ``matplotlib.figure.Figure`` objects (no pyplot state, Agg rendering) under one
fixed style, and saved without timestamps or version strings, so the same inputs give byte-identical PNGs on
every build (a report diff then shows only real changes).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kmrepro.io import write_bytes_atomic
from kmrepro.analysis.km import km_at
from kmrepro.publish.format import format_ci, format_p
from kmrepro.reconstruct.simulate import nice_step

#: Fixed style: figures must not depend on a user's matplotlibrc.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.6,
    "legend.frameon": False,
    "savefig.dpi": 150,
    "svg.hashsalt": "kmrepro",  # SVG element ids are random unless salted
    "pdf.compression": 6,
}
#: Per-format metadata that removes everything build-specific (dates, software versions).
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}
#: Arm colours in trial.yaml order (experimental arm first, as usually listed): colour-blind safe.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
PUBLISHED_COLOUR = "#444444"


def png_bytes(fig: Figure) -> bytes:
    """The figure as a deterministic PNG."""
    return figure_bytes(fig, "png")


@matplotlib.rc_context(STYLE)
def figure_bytes(fig: Figure, fmt: str) -> bytes:
    if fmt not in _METADATA:
        raise ValueError(f"unsupported figure format {fmt!r}; use one of {', '.join(_METADATA)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata=_METADATA[fmt], bbox_inches="tight", pad_inches=0.08)
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | Path) -> bytes:
    """Write the figure (format from the suffix) in one rename, so a killed build leaves no half file."""
    path = Path(path)
    data = figure_bytes(fig, path.suffix.lstrip(".").lower())
    write_bytes_atomic(path, data)
    return data


def km_steps(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the Kaplan-Meier step function from time 0 through the last observation."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    t = np.unique(time)
    return np.concatenate([[0.0], t]), np.concatenate([[1.0], km_at(time, event, t)])


def axis_ticks(t_end: float) -> np.ndarray:
    """Round time ticks covering follow-up, as a journal figure draws them."""
    step = nice_step(t_end, 8)
    return np.arange(0, step * np.ceil(t_end / step) + step / 2, step)


def _at_risk_rows(ax: Axes, ticks: np.ndarray, rows: Sequence[tuple[str, str, Sequence[str]]]) -> None:
    """Draw a numbers-at-risk table under ``ax``: one (label, colour, cells at ticks) per row.

    Row labels sit left of the axes, offset in points so they never run into the count at time 0.
    """
    transform = ax.get_xaxis_transform()
    header = -0.2
    ax.annotate("No. at risk", (0, header), xycoords="axes fraction", xytext=(-16, 0), textcoords="offset points",
                ha="right", va="top", fontweight="bold")
    for i, (label, colour, cells) in enumerate(rows):
        y = header - 0.065 * (i + 1)
        ax.annotate(label, (0, y), xycoords="axes fraction", xytext=(-16, 0), textcoords="offset points",
                    ha="right", va="top", color=colour)
        for x, cell in zip(ticks, cells):
            ax.text(x, y, cell, transform=transform, ha="center", va="top", color=colour)


def published_ticks(diagnostics: dict[str, dict]) -> np.ndarray | None:
    """The times of the published numbers-at-risk tables (the publication's own axis ticks), if any."""
    times = sorted({entry["time"] for d in diagnostics.values() for entry in d["at_risk"]})
    return np.asarray(times, dtype=float) if times else None


def _time_axis(ax: Axes, ticks: np.ndarray, t_end: float, time_unit: str) -> None:
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlim(0, max(ticks[-1], t_end) * 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"Time ({time_unit})")
    ax.set_ylabel("Probability")


def _number_at_risk(time: np.ndarray, ticks: np.ndarray) -> list[str]:
    return [str(int(np.sum(time >= x))) for x in ticks]


@matplotlib.rc_context(STYLE)
def km_figure(
    ipd: pd.DataFrame,
    stats: dict,
    labels: dict[str, str],
    time_unit: str,
    title: str,
    ticks: np.ndarray | None = None,
) -> Figure:
    """Figure 1 style KM plot: censor ticks, medians marked, HR and log-rank P printed, numbers at risk below.

    ``labels`` maps arm id to its published name, in the order the arms are drawn; ``ticks`` are the time
    axis ticks (pass the publication's, see ``published_ticks``; default: round ticks). Every number comes
    from ``ipd`` (curves, numbers at risk) or ``stats`` (the stats JSON of the same IPD).
    """
    arm_ids = list(labels)
    t_end = float(ipd["time"].max())
    ticks = axis_ticks(t_end) if ticks is None else ticks
    fig = Figure(figsize=(6.4, 4.6 + 0.16 * len(arm_ids)))
    ax = fig.add_axes((0.2, 0.1 + 0.06 * len(arm_ids), 0.76, 0.8 - 0.06 * len(arm_ids)))
    rows = []
    for colour, arm in zip(COLOURS, arm_ids):
        rows_arm = ipd[ipd["arm"] == arm]
        t, e = rows_arm["time"].to_numpy(float), rows_arm["event"].to_numpy(int)
        x, y = km_steps(t, e)
        median = stats["arms"][arm]["median"]
        ax.step(x, y, where="post", color=colour, label=f"{labels[arm]}\nmedian {format_ci(median)} {time_unit}")
        censored = t[e == 0]
        ax.plot(censored, km_at(t, e, censored), "|", color=colour, markersize=5, markeredgewidth=0.8)
        if median["estimate"] is not None:
            ax.plot([0, median["estimate"], median["estimate"]], [0.5, 0.5, 0], ":", color=colour, linewidth=0.9)
        rows.append((labels[arm], colour, _number_at_risk(t, ticks)))
    comparison = stats["comparison"]
    effect = f"HR {format_ci(comparison['hazard_ratio'], 2)}\nLog-rank P {format_p(comparison['logrank']['p'])}"
    # One box for arms and effect, placed by "best" (computed from the data, so deterministic) off the curves.
    ax.legend(loc="best", title=effect, alignment="left")
    _time_axis(ax, ticks, t_end, time_unit)
    ax.set_yticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.set_title(title, loc="left", fontweight="bold")
    _at_risk_rows(ax, ticks, rows)
    return fig


@matplotlib.rc_context(STYLE)
def qa_figure(
    digitized: dict[str, pd.DataFrame],
    ipd: pd.DataFrame,
    diagnostics: dict[str, dict],
    labels: dict[str, str],
    time_unit: str,
    title: str,
) -> Figure:
    """Digitized clicks over the reconstructed KM, with published and reconstructed numbers at risk.

    ``digitized`` maps arm id to its clicks (``time``, ``survival`` as a proportion); ``diagnostics`` to the
    reconstruction diagnostics (``at_risk`` entries with published and reconstructed counts).
    """
    arm_ids = list(labels)
    t_end = max(float(ipd["time"].max()), *(float(d["time"].max()) for d in digitized.values()))
    ticks = published_ticks(diagnostics)
    ticks = axis_ticks(t_end) if ticks is None else ticks
    fig = Figure(figsize=(6.4, 4.4 + 0.32 * len(arm_ids)))
    ax = fig.add_axes((0.24, 0.1 + 0.12 * len(arm_ids), 0.72, 0.8 - 0.12 * len(arm_ids)))
    rows = []
    for colour, arm in zip(COLOURS, arm_ids):
        rows_arm = ipd[ipd["arm"] == arm]
        x, y = km_steps(rows_arm["time"].to_numpy(float), rows_arm["event"].to_numpy(int))
        ax.step(x, y, where="post", color=colour, label=f"{labels[arm]}: reconstructed KM")
        clicks = digitized[arm]
        ax.plot(clicks["time"], clicks["survival"], "o", color=colour, markersize=2.2, alpha=0.6,
                label=f"{labels[arm]}: digitized points")
        table = {row["time"]: row for row in diagnostics[arm]["at_risk"]}
        cells_pub = [str(table[x]["published"]) if x in table else "" for x in ticks]
        cells_rec = [str(table[x]["reconstructed"]) if x in table else "" for x in ticks]
        rows += [(f"{labels[arm]}, published", colour, cells_pub), ("reconstructed", colour, cells_rec)]
    _time_axis(ax, ticks, t_end, time_unit)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.legend(loc="lower left", fontsize=7)
    if any(any(r[2]) for r in rows):
        _at_risk_rows(ax, ticks, rows)
    return fig


@matplotlib.rc_context(STYLE)
def forest_figure(rows: Sequence[dict]) -> Figure:
    """Hazard ratios published vs regenerated, one row per endpoint, log scale.

    Each row: ``label``, ``published`` and ``regenerated`` as {estimate, lower, upper} (either may be None).
    """
    fig = Figure(figsize=(7.2, 0.9 + 0.55 * len(rows)))
    ax = fig.add_axes((0.22, 0.9 / (0.9 + 0.55 * len(rows)), 0.42, 1 - 1.2 / (0.9 + 0.55 * len(rows))))
    values = []
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        for offset, key, colour, marker, name in (
            (0.14, "published", PUBLISHED_COLOUR, "s", "Published"),
            (-0.14, "regenerated", COLOURS[0], "o", "Regenerated"),
        ):
            hr = row.get(key)
            if hr is None or hr.get("estimate") is None:
                continue
            lo, hi = hr.get("lower"), hr.get("upper")
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [y + offset] * 2, color=colour, linewidth=1.2)
                values += [lo, hi]
            ax.plot(hr["estimate"], y + offset, marker, color=colour, markersize=5, label=name if i == 0 else None)
            values.append(hr["estimate"])
        ax.text(1.04, y, _forest_text(row), transform=ax.get_yaxis_transform(), va="center", fontsize=7.5)
    ax.axvline(1.0, color="#999999", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    low, high = min(values + [1.0]), max(values + [1.0])
    ax.set_xlim(low / 1.3, high * 1.3)
    ticks = [v for v in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5) if low / 1.3 <= v <= high * 1.3]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    ax.set_yticks(range(len(rows)), [r["label"] for r in reversed(rows)])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("Hazard ratio (95% CI), log scale")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=7.5)
    return fig


def _forest_text(row: dict) -> str:
    parts = []
    for key, name in (("published", "published"), ("regenerated", "regenerated")):
        hr = row.get(key)
        parts.append(f"{name} {format_ci(hr, 2) if hr else 'not stated'}")
    return "\n".join(parts)
