"""Journal-style Kaplan-Meier figures drawn from individual patient data, in the styles papers use.

One place for the figures the digitizer benchmark reads back and the synthetic trial inputs start
from: the true curve is the product-limit estimate of the IPD (kmrepro.reconstruct.simulate.km_drops),
so whatever the digitizer reads can be compared with it exactly. Each style imitates one plotting
habit (matplotlib defaults, lifelines, survminer, base R, ggplot2, small JPEG...), so a digitizer
is not tuned to one renderer. :func:`draw_km_figure` returns what a reader of the figure would type
(the labelled ticks, the arm colours) and the risk table printed under it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from kmrepro.analysis.km import km_at, number_at_risk  # noqa: E402
from kmrepro.io import write_bytes_atomic  # noqa: E402
from kmrepro.reconstruct.simulate import km_drops, nice_step  # noqa: E402

MPL_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c")
GGPLOT_HUES = ("#F8766D", "#00BA38", "#619CFF")  # ggplot2's default hues for three groups
GGPLOT_TWO = ("#F8766D", "#00BFC4")


@dataclass(frozen=True)
class Style:
    """How one figure is drawn. Sizes are in inches at ``dpi``; line widths in points."""

    name: str
    size: tuple[float, float] = (6.4, 4.8)
    dpi: int = 100
    line_width: float = 1.5
    colours: tuple[str, ...] = MPL_COLOURS
    line_styles: tuple[str, ...] = ("-", "-", "-")
    box: bool = True  # all four spines (base R's box) or only the left and bottom axes
    margin: float = 0.05  # axis padding beyond the data range (R's 4 %, ggplot's 5 %)
    grid: str = "none"  # "none", "light" (grey lines on white) or "ggplot" (white on grey)
    censor_marker: str | None = None  # "+" or "|"
    marker_size: float = 6.0
    risk_table: bool = False
    confidence_band: bool = False
    percent: bool = False  # y axis in percent
    y_step: float = 0.2
    legend: str | None = "best"  # matplotlib legend location, None for none
    jpeg_quality: int | None = None
    anti_aliased: bool = True


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style("matplotlib"),
        Style("lifelines", confidence_band=True, legend="upper right", box=True),
        Style("survminer", colours=GGPLOT_TWO, box=False, margin=0.0, censor_marker="+", risk_table=True,
              y_step=0.25, line_width=1.2, legend="upper right", size=(7.0, 6.0)),
        Style("base-r", colours=("#000000", "#DF536B"), margin=0.04, censor_marker="+", legend="lower left",
              marker_size=5.0, line_width=1.0),
        Style("ggplot", colours=GGPLOT_TWO, grid="ggplot", box=False, percent=True, y_step=25, legend="outside"),
        Style("three-arms", legend="upper right"),
        Style("jpeg", jpeg_quality=70, censor_marker="|", marker_size=5.0),
        Style("small", size=(6.0, 4.2), line_width=0.72, legend="upper right"),
        Style("bw-dashed", colours=("#000000", "#000000"), line_styles=("-", "--"), legend="upper right"),
    )
}


@dataclass(frozen=True)
class DrawnFigure:
    """What the figure shows, as a reader would type it, and what was drawn."""

    x_ticks: tuple[float, float, float]  # first, last, step
    y_ticks: tuple[float, float, float]
    arms: dict[str, tuple[str, str]]  # name -> (colour, "solid" or "dashed")
    risk_tables: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # name -> (times, n)
    # the figure's exact axis-unit -> pixel map, ((x intercept, x slope), (y intercept, y slope)) with pixel
    # centres at whole numbers: what the tick marks stand for (matplotlib snaps them up to a pixel off it)
    pixel_map: tuple[tuple[float, float], tuple[float, float]] | None = None


def km_steps(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners of the true KM step function from 0 to the last follow-up, for ``where='post'``."""
    event_times, _, after = km_drops(time, event)
    x = np.concatenate([[0.0], event_times, [time.max()]])
    y = np.concatenate([[1.0], after, [after[-1] if len(after) else 1.0]])
    return x, y


def numbers_at_risk(time: np.ndarray, x_ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The numbers at risk at the x ticks within the follow-up, as a figure's risk table prints them."""
    at = np.asarray(x_ticks, float)[np.asarray(x_ticks, float) <= np.max(time)]
    return at, number_at_risk(time, at)


def draw_km_figure(
    arms: dict[str, tuple[np.ndarray, np.ndarray]],
    path: str | Path,
    style: Style | str = "matplotlib",
    x_step: float | None = None,
    title: str | None = None,
) -> DrawnFigure:
    """Draw the KM curves of ``arms`` (name -> (time, event)) to ``path`` (PNG, or JPEG in the jpeg style)."""
    style = STYLES[style] if isinstance(style, str) else style
    ends = [float(np.max(t)) for t, _ in arms.values()]
    x_step = x_step or nice_step(max(ends), 6)
    x_last = x_step * math.ceil(max(ends) / x_step - 1e-9)
    x_ticks = np.arange(0, x_last + x_step / 2, x_step)
    y_scale = 100.0 if style.percent else 1.0
    y_ticks = np.arange(0, y_scale + style.y_step / 2, style.y_step)

    with plt.rc_context(_rc(style)):
        if style.risk_table:
            fig, (ax, table_ax) = plt.subplots(
                2, 1, figsize=style.size, dpi=style.dpi, gridspec_kw={"height_ratios": [4, 1], "hspace": 0.35}
            )
        else:
            fig, ax = plt.subplots(figsize=style.size, dpi=style.dpi)
        drawn_arms, tables = {}, {}
        for k, (name, (time, event)) in enumerate(arms.items()):
            time, event = np.asarray(time, float), np.asarray(event, int)
            colour, dash = style.colours[k], style.line_styles[k]
            _draw_arm(ax, time, event, style, colour, dash, name, y_scale)
            drawn_arms[name] = (colour, "dashed" if dash == "--" else "solid")
            tables[name] = numbers_at_risk(time, x_ticks)
        _axes(ax, style, x_ticks, y_ticks, y_scale)
        if style.legend == "outside":
            ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
        elif style.legend:
            ax.legend(loc=style.legend)
        if title:
            ax.set_title(title)
        if style.risk_table:
            _risk_table(table_ax, ax, tables, drawn_arms)
        if style.legend == "outside":
            fig.subplots_adjust(right=0.78)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=style.dpi)
        pixel_map = _pixel_map(ax, fig.bbox.height)
        plt.close(fig)
    data = buffer.getvalue()
    if style.jpeg_quality:
        out = io.BytesIO()
        Image.open(io.BytesIO(data)).convert("RGB").save(out, format="JPEG", quality=style.jpeg_quality)
        data = out.getvalue()
    write_bytes_atomic(path, data)
    return DrawnFigure(
        x_ticks=(0.0, float(x_ticks[-1]), float(x_step)),
        y_ticks=(0.0, float(y_ticks[-1]), float(style.y_step)),
        arms=drawn_arms,
        risk_tables=tables,
        pixel_map=pixel_map,
    )


def _pixel_map(ax, height: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis units -> image pixels (column, row; pixel centres at whole numbers) as drawn."""
    (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
    return (float(x0 - 0.5), float(x1 - x0)), (float(height - y0 - 0.5), float(y0 - y1))


def _rc(style: Style) -> dict:
    rc = {"lines.antialiased": style.anti_aliased, "patch.antialiased": style.anti_aliased,
          "text.antialiased": style.anti_aliased, "svg.hashsalt": "kmrepro"}
    if style.grid == "ggplot":
        rc |= {"axes.facecolor": "#EBEBEB", "axes.edgecolor": "#EBEBEB", "xtick.color": "#333333",
               "ytick.color": "#333333", "axes.axisbelow": True}
    return rc


def _draw_arm(ax, time, event, style: Style, colour: str, dash: str, name: str, y_scale: float) -> None:
    x, y = km_steps(time, event)
    ax.step(x, y * y_scale, where="post", color=colour, linestyle=dash, linewidth=style.line_width, label=name)
    if style.confidence_band:
        band = 1.96 * np.sqrt(np.maximum(y * (1 - y), 1e-12) / np.maximum(len(time) * y, 1))
        ax.fill_between(x, np.clip(y - band, 0, 1) * y_scale, np.clip(y + band, 0, 1) * y_scale, step="post",
                        color=colour, alpha=0.25, linewidth=0)
    if style.censor_marker:
        censored = np.unique(time[event == 0])
        ax.plot(censored, km_at(time, event, censored) * y_scale, linestyle="none", marker=style.censor_marker,
                color=colour, markersize=style.marker_size, markeredgewidth=style.line_width)


def _axes(ax, style: Style, x_ticks, y_ticks, y_scale: float) -> None:
    pad_x, pad_y = style.margin * x_ticks[-1], style.margin * y_scale
    ax.set_xlim(-pad_x, x_ticks[-1] + pad_x)
    ax.set_ylim(-pad_y, y_scale + pad_y)
    ax.set_xticks(x_ticks)
    ax.set_yticks(y_ticks)
    ax.set_xticklabels([f"{v:g}" for v in x_ticks])
    ax.set_yticklabels([f"{v:g}" for v in y_ticks])
    ax.set_xlabel("Time")
    ax.set_ylabel("Survival (%)" if style.percent else "Survival probability")
    if not style.box:
        ax.spines[["top", "right"]].set_visible(False)
    if style.grid == "ggplot":
        ax.grid(True, color="white", linewidth=1.1)
        ax.spines[:].set_visible(False)
        ax.tick_params(length=4)
    elif style.grid == "light":
        ax.grid(True, color="#d0d0d0", linewidth=0.6)


def _risk_table(table_ax, ax, tables, arms) -> None:
    """Numbers at risk under the plot, one text row per arm, aligned with the time axis."""
    table_ax.set_xlim(ax.get_xlim())
    table_ax.set_ylim(-0.5, len(tables) - 0.5)
    for row, (name, (times, counts)) in enumerate(tables.items()):
        y = len(tables) - 1 - row
        for t, n in zip(times, counts):
            table_ax.text(t, y, str(n), ha="center", va="center", color=arms[name][0], fontsize=9)
    table_ax.set_yticks(range(len(tables)))
    table_ax.set_yticklabels(list(tables)[::-1])
    table_ax.set_xticks([])
    table_ax.spines[:].set_visible(False)
    table_ax.tick_params(length=0)
    table_ax.set_title("Number at risk", loc="left", fontsize=9)


def with_style(name: str, **changes) -> Style:
    """A variant of a named style (tests draw, e.g., a matplotlib figure with '+' censor marks)."""
    return replace(STYLES[name], name=f"{name}*", **changes)
