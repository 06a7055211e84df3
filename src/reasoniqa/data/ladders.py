"""Distortion ladders on content no split uses: does a rater's score fall as a distortion grows on images
unlike anything it was trained on?

The content is procedural: dead-leaves images (Lee, Mumford & Huang 2001; the texture of IEEE/ISO
camera tests), occluding discs with power-law radii, whose statistics are scale-invariant like natural
scenes' (between the smallest disc, a few pixels, and the largest) but which no training split contains. Each content gets every listed distortion at every listed
strength (strength 0: the pristine image, once per content); the manifest is the common one, every row
in the test split, with a MOS from the stand-ins' psychometric model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reasoniqa.data import distortions as D
from reasoniqa.data import psychometric
from reasoniqa.data.manifest import COLUMNS
from reasoniqa.io import atomic_dir, write_json

RENDER_SCALE = 4  # drawn at 4x and downsampled: antialiased disc edges
# The smallest disc's radius in output pixels. Discs below a pixel (r_min 1 % of the side, 0.64 px at
# 64 px, as before) leave single pixels of random colour, which a viewer and the noise estimator read as
# colour noise: the pristine ladders measured chroma noise 0.013-0.023, above 90 % of synth_koniq's
# noise-free training photographs (0.0072), so every rung that removes fine colour (desaturation, blur,
# JPEG) read as denoising and rated better. At 3 px they read 0.0005-0.007, as those photographs do.
R_MIN_PX = 3.0


def dead_leaves(size: int, rng, discs: int = 3000, r_min_px: float = R_MIN_PX, r_max: float = 0.35) -> np.ndarray:
    """[size, size, 3] in [0, 1]: discs painted back to front, radii with density proportional to r^-3
    between r_min_px output pixels and r_max (a fraction of the side), colours of random hue and
    saturation."""
    from PIL import Image, ImageDraw

    from reasoniqa import UserError

    if r_min_px / size >= r_max:
        raise UserError(f"ladder: the smallest disc ({r_min_px} px) is not below the largest ({r_max} of {size} px)")
    side = size * RENDER_SCALE
    canvas = Image.new("RGB", (side, side), tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(canvas)
    # inverse-CDF sampling of p(r) ~ r^-3 on [r_min, r_max] (fractions of the side)
    r_min = r_min_px / size
    u = rng.uniform(0, 1, discs)
    radii = (r_min**-2 - u * (r_min**-2 - r_max**-2)) ** -0.5 * side
    centres = rng.uniform(-0.1, 1.1, (discs, 2)) * side
    grey = rng.uniform(0.05, 0.95, discs)
    colour = rng.uniform(0, 1, (discs, 3))
    saturation = rng.uniform(0, 0.6, discs)[:, None]
    rgb = np.clip(grey[:, None] + saturation * (colour - colour.mean(1, keepdims=True)), 0, 1)
    for (x, y), r, c in zip(centres, radii, rgb):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(int(round(255 * v)) for v in c))
    return np.asarray(canvas.resize((size, size), Image.LANCZOS)) / 255.0


def synthesize_ladders(name: str, spec: dict, out: str | Path, progress: bool = True) -> int:
    """Write <out>/{images/, manifest.csv, dataset.json}; return the number of images."""
    import pandas as pd
    from PIL import Image
    from tqdm import tqdm

    # separate streams: a content's picture does not change when the distortion list does
    rng = np.random.default_rng([spec.get("seed", 0), 1])
    lo, hi = spec.get("mos_scale", [0, 1])
    rater_bias = rng.normal(0, psychometric.RATER_BIAS_SD, spec.get("raters", 20))
    steps = [float(s) for s in spec["strengths"] if s > 0]
    rows = []
    with atomic_dir(out) as tmp:
        (tmp / "images").mkdir()
        for c in tqdm(range(spec["contents"]), desc=f"synthesize {name}", disable=not progress):
            pristine = dead_leaves(spec["image_size"], np.random.default_rng([spec.get("seed", 0), 0, c]),
                                   r_min_px=spec.get("min_disc_px", R_MIN_PX))
            content = f"leaves{c:02d}"
            versions = [({}, f"{content}_pristine.png")] + [
                ({d: s}, f"{content}_{d}_{s:.2f}.png") for d in spec["distortions"] for s in steps]
            for applied, image_name in versions:
                img = D.apply(pristine, applied, rng)
                Image.fromarray(D.to_uint8(img)).save(tmp / "images" / image_name)
                mos = lo + (hi - lo) * psychometric.rate(psychometric.true_quality(applied, 1.0), rater_bias, rng).mean()
                rows.append({"name": image_name, "path": f"images/{image_name}", "mos": round(float(mos), 4),
                             "mos_std": 0.0, "score": round(float((mos - lo) / (hi - lo)), 6), "split": "test",
                             "content": content, "distortions": ";".join(f"{k}:{v}" for k, v in applied.items()),
                             "is_reference": 0})
        pd.DataFrame(rows, columns=COLUMNS).to_csv(tmp / "manifest.csv", index=False)
        write_json(tmp / "dataset.json", {"name": name, "kind": "ladder", "mos_scale": [lo, hi],
                                          "lower_is_better": False, "distortions": spec["distortions"]})
    return len(rows)
