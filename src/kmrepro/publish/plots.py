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
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kmrepro.io import write_bytes_atomic
from kmrepro.analysis.km import km_at, number_at_risk
from kmrepro.publish.format import format_ci, format_p
from kmrepro.results import comparisons
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
        rows.append((labels[arm], colour, [str(n) for n in number_at_risk(t, ticks)]))
    effect = "\n".join(
        ("" if arm is None else f"{labels[arm]} vs {labels[c['reference']]}: ")
        + f"HR {format_ci(c['hazard_ratio'], 2)}\nLog-rank P {format_p(c['logrank']['p'])}"
        for arm, c in comparisons(stats).items()
    )
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

    Each row: ``label``, ``published`` and ``regenerated`` as {estimate, lower, upper} (either may be None),
    and optionally ``interval``, the regenerated HR's reconstruction interval {lower, upper}: drawn as a
    thick band over the CI, so a reader sees how much of the gap to the published HR reconstruction explains.
    """
    fig = Figure(figsize=(7.2, 0.9 + 0.7 * len(rows)))
    ax = fig.add_axes((0.22, 0.9 / (0.9 + 0.7 * len(rows)), 0.42, 1 - 1.2 / (0.9 + 0.7 * len(rows))))
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
        interval = row.get("interval")
        if interval and interval.get("lower") is not None and interval.get("upper") is not None:
            ax.plot([interval["lower"], interval["upper"]], [y - 0.32] * 2, color=COLOURS[0], linewidth=4, alpha=0.5,
                    solid_capstyle="butt", label="Reconstruction interval" if i == 0 else None)
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
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=7.5)
    return fig


def _forest_text(row: dict) -> str:
    parts = []
    for key, name in (("published", "published"), ("regenerated", "regenerated")):
        hr = row.get(key)
        parts.append(f"{name} {format_ci(hr, 2) if hr else 'not stated'}")
    interval = row.get("interval")
    if interval and interval.get("lower") is not None and interval.get("upper") is not None:
        parts.append(f"reconstruction interval {interval['lower']:.2f}–{interval['upper']:.2f}")
    return "\n".join(parts)


# --- extrapolation and proportional hazards (kmrepro.analysis.parametric, kmrepro.analysis.ph) ---------------

#: One colour per parametric model, in kmrepro.analysis.parametric.MODEL_NAMES order (Okabe-Ito, then two of Tol's).
MODEL_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#882255", "#44AA99")
MODEL_LABELS = {
    "exponential": "Exponential", "weibull": "Weibull", "gompertz": "Gompertz", "loglogistic": "Log-logistic",
    "lognormal": "Log-normal", "gengamma": "Generalised gamma", "spline1": "Spline, 1 knot",
    "spline2": "Spline, 2 knots", "spline3": "Spline, 3 knots",
}


def _usable_models(arm_stats: dict) -> list[tuple[str, str, dict]]:
    """(name, colour, entry) of every converged, non-degenerate model, in the fixed order."""
    from kmrepro.analysis.parametric import MODEL_NAMES

    return [(name, colour, arm_stats["models"][name]) for name, colour in zip(MODEL_NAMES, MODEL_COLOURS)
            if name in arm_stats.get("models", {}) and arm_stats["models"][name]["converged"]
            and not arm_stats["models"][name]["degenerate"]]


def _arm_ipd(ipd: pd.DataFrame, arm: str) -> tuple[np.ndarray, np.ndarray]:
    rows = ipd[ipd["arm"] == arm]
    return rows["time"].to_numpy(float), rows["event"].to_numpy(int)


def _model_panels(n_arms: int, title: str) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(3.6 * n_arms + 1.8, 3.9))
    axes = [fig.add_subplot(1, n_arms, i + 1) for i in range(n_arms)]
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig, axes


@matplotlib.rc_context(STYLE)
def extrapolation_figure(ipd: pd.DataFrame, stats: dict, labels: dict[str, str], time_unit: str, title: str) -> Figure:
    """Per arm: the KM and every fitted model to the horizon; solid over follow-up, dashed beyond it.

    The best model by AIC is drawn thicker; models that did not converge or are degenerate are left out
    (the AIC table says why).
    """
    from kmrepro.analysis.parametric import fitted_family

    horizon = stats["conventions"]["extrapolation_horizon"]
    fig, axes = _model_panels(len(labels), title)
    grid = np.linspace(0, horizon, 400)[1:]
    for ax, (arm, label) in zip(axes, labels.items()):
        t, e = _arm_ipd(ipd, arm)
        end = float(t.max())
        best = stats["arms"][arm]["model_selection"]["aic"]
        for name, colour, entry in _usable_models(stats["arms"][arm]):
            family, theta = fitted_family(name, entry)
            s = family.survival(theta, grid)
            width = 2.2 if name == best else 1.0
            name_label = MODEL_LABELS[name] + (" (best AIC)" if name == best else "")
            ax.plot(grid[grid <= end], s[grid <= end], color=colour, linewidth=width, label=name_label)
            ax.plot(grid[grid >= end], s[grid >= end], color=colour, linewidth=width, linestyle="--")
        x, y = km_steps(t, e)
        ax.step(x, y, where="post", color="black", linewidth=1.4, label="Kaplan-Meier")
        ax.axvline(end, color="#999999", linewidth=0.7, linestyle=":")
        ax.annotate("end of follow-up", (end, 0.98), fontsize=7, color="#666666", rotation=90, ha="right", va="top")
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.set_title(label, loc="left")
        ax.set_xlabel(f"Time ({time_unit}); dashed: extrapolated")
    axes[0].set_ylabel("Survival probability")
    axes[-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7)
    return fig


def smoothed_hazard(time: np.ndarray, event: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Epanechnikov-kernel smoothed Nelson-Aalen increments (Ramlau-Hansen), without boundary correction."""
    times = np.unique(time[event == 1])
    increments = np.array([((time == u) & (event == 1)).sum() / (time >= u).sum() for u in times])
    z = (grid[:, None] - times[None, :]) / bandwidth
    kernel = np.where(np.abs(z) < 1, 0.75 * (1 - z * z), 0.0)
    return kernel @ increments / bandwidth


@matplotlib.rc_context(STYLE)
def hazard_figure(ipd: pd.DataFrame, stats: dict, labels: dict[str, str], time_unit: str, title: str) -> Figure:
    """Per arm: the smoothed empirical hazard against each model's hazard, over follow-up."""
    from kmrepro.analysis.parametric import fitted_family

    fig, axes = _model_panels(len(labels), title)
    for ax, (arm, label) in zip(axes, labels.items()):
        t, e = _arm_ipd(ipd, arm)
        end = float(t.max())
        bandwidth = end / 8
        grid = np.linspace(bandwidth, end - bandwidth, 200)  # away from the edges the kernel cannot see past
        for name, colour, entry in _usable_models(stats["arms"][arm]):
            family, theta = fitted_family(name, entry)
            with np.errstate(all="ignore"):
                ax.plot(grid, np.exp(family.log_hazard(theta, grid)), color=colour, linewidth=1.0, label=MODEL_LABELS[name])
        ax.plot(grid, smoothed_hazard(t, e, grid, bandwidth), color="black", linewidth=2.0,
                label=f"Smoothed empirical\n(kernel, bandwidth {bandwidth:.3g})")
        ax.set_title(label, loc="left")
        ax.set_xlabel(f"Time ({time_unit})")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel(f"Hazard (events per patient-{time_unit[:-1] if time_unit.endswith('s') else time_unit})")
    axes[-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7)
    return fig


@matplotlib.rc_context(STYLE)
def log_cumulative_hazard_figure(ipd: pd.DataFrame, labels: dict[str, str], time_unit: str, title: str) -> Figure:
    """log(-log KM) against log time by arm: under proportional hazards the curves run parallel."""
    fig = Figure(figsize=(5.6, 3.8))
    ax = fig.add_subplot()
    for colour, (arm, label) in zip(COLOURS, labels.items()):
        t, e = _arm_ipd(ipd, arm)
        x, y = km_steps(t, e)
        keep = (x > 0) & (y > 0) & (y < 1)
        ax.step(x[keep], np.log(-np.log(y[keep])), where="post", color=colour, label=label)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))  # 0.1, 1, 10; no mathtext
    ax.set_xlabel(f"Time ({time_unit}, log scale)")
    ax.set_ylabel("log(-log S(t))")
    ax.set_title(title, loc="left", fontweight="bold")
    ax.legend(loc="upper left")
    return fig


@matplotlib.rc_context(STYLE)
def schoenfeld_figure(residuals: dict, test: dict, log_hr: float, time_unit: str, title: str) -> Figure:
    """Scaled Schoenfeld residuals for the arm against time, a kernel smooth, and the cox.zph test.

    Under proportional hazards the smooth stays flat at the log HR; a trend means the HR changes over time.
    """
    fig = Figure(figsize=(5.6, 3.8))
    ax = fig.add_subplot()
    time, scaled = np.asarray(residuals["time"], float), np.asarray(residuals["scaled"], float)
    ax.plot(time, scaled, "o", color="#999999", markersize=2.5, markeredgewidth=0)
    grid = np.linspace(time.min(), time.max(), 200)
    bandwidth = (time.max() - time.min()) / 6 or 1.0
    weights = np.exp(-0.5 * ((grid[:, None] - time[None, :]) / bandwidth) ** 2)
    ax.plot(grid, weights @ scaled / weights.sum(axis=1), color=COLOURS[0], linewidth=2, label="Kernel smooth")
    ax.axhline(log_hr, color=PUBLISHED_COLOUR, linestyle="--", linewidth=1, label=f"log HR (Cox) {log_hr:.3f}")
    ax.axhline(0, color="#cccccc", linewidth=0.7)
    ax.set_xlabel(f"Time ({time_unit})")
    ax.set_ylabel("Scaled Schoenfeld residual, β(t)")
    ax.set_title(title, loc="left", fontweight="bold")
    ax.legend(loc="best", title=f"cox.zph (KM time): χ² {test['chisq']:.2f}, P {format_p(test['p'])}", alignment="left")
    lo, hi = np.quantile(scaled, [0.01, 0.99])
    ax.set_ylim(min(lo, log_hr) - 0.5, max(hi, log_hr) + 0.5)
    return fig
