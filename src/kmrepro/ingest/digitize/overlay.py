"""The QA overlay: the figure, faded, with every digitized curve drawn over it in a contrasting colour,
its censor marks circled, the stretches read under another curve thickened, and the tick marks used
for the calibration crossed, so a person can judge the digitization at a glance."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

CONTRAST = ("#ff00ff", "#00c000", "#0040ff", "#ff8000", "#00e0e0", "#a000a0")


def contrasting(colours: list[tuple[float, float, float]], count: int) -> list[str]:
    """``count`` overlay colours, the ones farthest from every arm colour first."""
    def distance(hex_colour: str) -> float:
        rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        return min(float(np.linalg.norm(rgb - np.array(c))) for c in colours)

    ranked = sorted(CONTRAST, key=lambda c: -distance(c))
    return [ranked[k % len(ranked)] for k in range(count)]


def draw_overlay(rgb: np.ndarray, result) -> bytes:
    """PNG bytes of the overlay for a :class:`kmrepro.ingest.digitize.Digitization`."""
    faded = (255 * (0.35 * rgb + 0.65)).round().astype(np.uint8)
    image = Image.fromarray(faded, "RGB")
    draw = ImageDraw.Draw(image)
    x_cal, y_cal = result.x_calibration, result.y_calibration
    area = result.plot_area
    for mark in x_cal.marks:
        draw.line([(mark, area.bottom + 2), (mark, area.bottom + 8)], fill="#ff0000", width=1)
    for mark in y_cal.marks:
        draw.line([(area.left - 8, mark), (area.left - 2, mark)], fill="#ff0000", width=1)
    for arm, colour in zip(result.arms, contrasting([a.rgb for a in result.arms], len(result.arms))):
        xs = x_cal.to_px(arm.points.time.to_numpy())
        ys = y_cal.to_px(arm.points.survival.to_numpy())
        draw.line(list(zip(xs, ys)), fill=colour, width=1)
        for start, end in arm.hidden:
            x0, x1 = x_cal.to_px([start, end])
            level = float(np.interp((x0 + x1) / 2, xs, ys))
            draw.line([(x0, level), (x1, level)], fill=colour, width=3)
        for t in arm.censored:
            x = float(x_cal.to_px(t))
            y = float(ys[np.searchsorted(xs, x, side="right") - 1]) if len(xs) else 0.0
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], outline=colour, width=1)
        label_y = area.top + 4 + 12 * result.arms.index(arm)
        draw.text((area.right - 120, label_y), f"{arm.name}", fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
