"""Visual features measured on pixels, and their quantization into a few named levels.

Estimators are the established ones where they exist: skimage.measure.blur_effect (Crété-Roffet et al.
2007) for blur, skimage.restoration.estimate_sigma (wavelet MAD, Donoho) for noise, mean luminance for
exposure, RMS contrast, Hasler-Süsstrunk (2003) colourfulness, and a block-boundary ratio for
compression blockiness. Thresholds come from quantiles of the training split (calibrate) and are
stored as an artifact, so every dataset is described on one scale.
"""

from __future__ import annotations

import numpy as np

FEATURES = ["blur", "noise", "compression", "exposure", "contrast", "colour"]

# Levels per feature, in the order of the measured value (low -> high).
LEVELS = {
    "blur": ["none", "slight", "moderate", "severe"],
    "noise": ["none", "slight", "moderate", "severe"],
    "compression": ["none", "slight", "moderate", "severe"],
    "exposure": ["dark", "normal", "bright"],
    "contrast": ["low", "normal"],
    "colour": ["muted", "natural", "vivid"],
}

# Training-split quantiles at which the level boundaries sit.
QUANTILES = {
    "blur": [0.5, 0.75, 0.9],
    "noise": [0.5, 0.75, 0.9],
    "compression": [0.5, 0.75, 0.9],
    "exposure": [0.15, 0.85],
    "contrast": [0.2],
    "colour": [0.2, 0.8],
}


def blockiness(grey: np.ndarray, block: int = 8) -> float:
    """Mean absolute step across 8x8 block boundaries over the mean step elsewhere (1 = no blocking).

    JPEG quantizes 8x8 blocks independently, so its artifacts are discontinuities on the block grid;
    a ratio to the off-grid steps makes it insensitive to overall texture.
    """
    dx = np.abs(np.diff(grey, axis=1))
    dy = np.abs(np.diff(grey, axis=0))
    on_x = dx[:, block - 1 :: block].mean() if dx.shape[1] >= block else 0.0
    on_y = dy[block - 1 :: block, :].mean() if dy.shape[0] >= block else 0.0
    off = (dx.mean() + dy.mean()) / 2 + 1e-6
    return float((on_x + on_y) / 2 / off)


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness, on 0-255 RGB."""
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def measure(rgb: np.ndarray) -> dict[str, float]:
    """Raw feature values of an RGB uint8 image."""
    from skimage.color import rgb2gray
    from skimage.measure import blur_effect
    from skimage.restoration import estimate_sigma

    grey = rgb2gray(rgb)
    return {
        "blur": float(blur_effect(grey)),
        "noise": float(estimate_sigma(grey)),
        "compression": blockiness(grey),
        "exposure": float(grey.mean()),
        "contrast": float(grey.std()),
        "colour": colourfulness(rgb),
    }


def calibrate(values) -> dict[str, list[float]]:
    """Level thresholds per feature from a DataFrame of training-split measurements."""
    return {f: [float(np.quantile(values[f], q)) for q in QUANTILES[f]] for f in FEATURES}


def quantize(value: float, thresholds: list[float], feature: str) -> str:
    return LEVELS[feature][int(np.searchsorted(thresholds, value, side="right"))]


def levels_of(row, thresholds: dict) -> dict[str, str]:
    return {f: quantize(row[f], thresholds[f], f) for f in FEATURES}
