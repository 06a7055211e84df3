"""Real photographs that ship inside installed packages (no network needed)."""

from __future__ import annotations

import numpy as np

from reasoniqa import UserError


def _skimage(name):
    def load():
        from skimage import data

        img = getattr(data, name)()
        return img[0] if isinstance(img, tuple) else img  # stereo_motorcycle -> (left, right, disp)

    return load


def _grace_hopper():
    import matplotlib.cbook
    from PIL import Image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


PHOTOS = {
    "astronaut": _skimage("astronaut"),
    "chelsea": _skimage("chelsea"),
    "coffee": _skimage("coffee"),
    "rocket": _skimage("rocket"),
    "motorcycle": _skimage("stereo_motorcycle"),
    "hubble": _skimage("hubble_deep_field"),
    "retina": _skimage("retina"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "grace_hopper": _grace_hopper,
    # greyscale photographs (shown as RGB, as black-and-white photos are in real collections)
    "camera": _skimage("camera"),
    "coins": _skimage("coins"),
    "moon": _skimage("moon"),
    "clock": _skimage("clock"),
    "brick": _skimage("brick"),
    "grass": _skimage("grass"),
    "gravel": _skimage("gravel"),
    "cell": _skimage("cell"),
}


def load_photo(name: str) -> np.ndarray:
    """RGB uint8 array of a shipped photograph."""
    if name not in PHOTOS:
        raise UserError(f"unknown photograph {name!r}; known: {', '.join(sorted(PHOTOS))}")
    img = np.asarray(PHOTOS[name]())
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    return np.ascontiguousarray(img[..., :3]).astype(np.uint8)
