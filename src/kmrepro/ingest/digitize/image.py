"""Reading a figure: PNG or JPEG into an RGB array of floats in [0, 1] (transparency over white)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, JpegImagePlugin, UnidentifiedImageError

from kmrepro.errors import InputError

FORMATS = ("PNG", "JPEG")
MIN_SIDE_PX = 100


def load_image(path: str | Path) -> np.ndarray:
    """The image at ``path`` as an (H, W, 3) float array; InputError if it is missing, corrupt or too small."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "image not found")
    try:
        with Image.open(path) as image:
            if image.format not in FORMATS:
                raise InputError(path, f"not a PNG or JPEG image ({image.format})")
            image.load()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(path, f"cannot read the image ({err})") from None
    array = np.asarray(rgba, dtype=np.float32) / 255.0
    if min(array.shape[:2]) < MIN_SIDE_PX:
        raise InputError(path, f"image is only {array.shape[1]}x{array.shape[0]} px; a KM figure needs at least {MIN_SIDE_PX} px a side")
    alpha = array[..., 3:]
    return array[..., :3] * alpha + (1.0 - alpha)


def darkness(rgb: np.ndarray) -> np.ndarray:
    """1 - luminance (ITU-R 601): 0 on white, 1 on black."""
    return 1.0 - (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])


def colour_at_half_resolution(path: str | Path) -> bool:
    """Is the image a JPEG that keeps colour at lower resolution than lightness (4:2:2 or 4:2:0, the
    default of most encoders)? Then a 1 px coloured line shares its colour with its neighbours."""
    with Image.open(path) as image:
        return image.format == "JPEG" and JpegImagePlugin.get_sampling(image) > 0
