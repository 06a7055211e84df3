"""Visual features measured on pixels, and their quantization into a few named levels.

Each feature is measured on the manifest's image: for the stand-ins that is the resolution the model
sees (a description can only be learned for what is visible there); a real dataset's at its own (or its
`resize_max` copy's, where JPEG's 8x8 grid no longer lines up: compression then reads near zero). Estimators, chosen on the stand-ins' ground truth (experiments/feature_estimators.py,
README "Feature validation"):
- noise: skimage.restoration.estimate_sigma (wavelet MAD, Donoho) on the two opponent colour channels,
  where natural content is smooth and sensor-like noise, independent per channel, is not: it tracks the
  applied noise better than the same estimator on luminance, which texture fools (Spearman 0.71 vs 0.59
  on the test splits: noise:chroma_noise vs noise:sigma_grey in docs/experiments/feature_estimators.json);
- blur: the energy of the finest band (image minus its sigma-1 Gaussian) relative to the next band
  (sigma 1 minus sigma 2), each less the share the measured noise puts there: blur empties the finest
  band first, noise fills it (0.55, 0.70 counting JPEG 2000's blur, vs 0.31 for skimage's blur_effect);
- compression: how coarsely JPEG quantized the luminance: the IJG (libjpeg) quality whose quantization
  steps the 8x8 DCT coefficients sit on best (jpeg_quantization). Quantization leaves each
  coefficient on a lattice of its step, visible as blocking and ringing in proportion to the step; it
  tracks the applied JPEG strength with Spearman 0.83 on synth_koniq's training split, where counting
  the non-zero coefficients on JPEG's grid against a shifted one (the estimator before: grid_zeros in
  experiments/feature_estimators.py) reached 0.68. An image a later distortion (noise, blur, a tone
  curve) re-rendered leaves the lattice, and so does one resized after compression: it reads 0, "no
  compression". A camera's own tables are read as the IJG quality whose steps fit them best;
- exposure: mean luminance (median, log-mean, quantile, clipping, range-relative and detail-weighted
  measures and their fitted combinations tracked no better on the training split, where the choice is
  made, and none reaches 0.63 on the test splits: the content's own brightness dominates, and
  only knowing each photograph's own brightness lifts it to the 0.7 goal: experiments/content_oracle.py);
  contrast: RMS contrast;
  colour: Hasler-Süsstrunk (2003) colourfulness of the chroma smoothed over a few pixels (colourfulness,
  CHROMA_SIGMA: pixel noise is chroma too, and made noisy greyscale images "vivid").
  Contrast and colour follow their distortion only weakly (Spearman 0.1-0.2: a photograph's own
  contrast and colour vary more than the applied loss). Which features the descriptions name is
  DESCRIBED (a config's labels.features): colour is measured and validated but left out.
The noise estimator fits noise independent per colour channel, as the stand-ins' (and LIVE's, CSIQ's)
white noise is; a greyscale image reads 0, and chroma noise is partly removed by a JPEG's 4:2:0
subsampling: on real photographs it is to be checked against SPAQ's noisiness scores (not done yet).
Thresholds come from quantiles of the training split (calibrate; QUANTILES below, which a config may
move per feature: labels.quantiles) and are stored as an artifact, so every dataset is described on one
scale.
"""

from __future__ import annotations

import numpy as np

FEATURES = ["blur", "noise", "compression", "exposure", "contrast", "colour"]

# The features the descriptions name (a config may choose: labels.features; `described` checks it). All
# six are measured and validated; colour is left out: its measurement follows the desaturation it should
# track with Spearman 0.16, and on the training split its "muted" level marked noise-free images
# (noise applied to 16 % of them, 41 % of the "natural" ones) rather than desaturated ones, so a
# description naming it misled. Leaving it out cost the ceiling 0.014 SRCC on a run of 7997859 (0.714 ->
# 0.700); leaving contrast out too cost 0.077 (-> 0.637): an image's RMS contrast, whatever lowered it,
# carries quality, so contrast stays though it tracks the contrast loss only weakly.
DESCRIBED = ["blur", "noise", "compression", "exposure", "contrast"]

# Levels per feature, in the order of the measured value (low -> high).
LEVELS = {
    "blur": ["none", "slight", "moderate", "severe"],
    "noise": ["none", "slight", "moderate", "severe"],
    "compression": ["none", "slight", "moderate", "severe"],
    "exposure": ["dark", "normal", "bright"],
    "contrast": ["low", "normal"],
    "colour": ["muted", "natural", "vivid"],
}

# Training-split quantiles at which the level boundaries sit (a config may override them per feature:
# labels.quantiles). Blur's "none" ends at the 70th percentile: 71 % of synth_koniq's training images
# carry no blur-like distortion (blur, JPEG 2000, fast fading; then 16 % up to strength 1/3, 7 % to 2/3,
# 5 % above, whence 85 / 95). Cut at the median, half of the sharp images were "slightly blurry": the
# level followed the applied blur with Spearman 0.659 on the test splits, 0.728 at 70 / 85 / 95 (runs
# of 7b3a921 without and with this change, e31306f; README "Where the levels are cut"). Noise reaches
# about the same share of "none" at its median, being cut among the images with chroma. A real
# training split's share of sharp images is not known from its labels: a paper config that knows
# better sets its own.
QUANTILES = {
    "blur": [0.7, 0.85, 0.95],
    "noise": [0.5, 0.75, 0.9],        # among the images with chroma (ABSENT_AT_ZERO)
    "compression": [0.2, 0.45, 0.7],  # among the compressed images (ABSENT_AT_ZERO)
    "exposure": [0.15, 0.85],
    "contrast": [0.2],
    "colour": [0.2, 0.8],
}


# Colour is read from the chroma at a scale coarser than a pixel: the eye's chroma acuity is low (why
# JPEG subsamples it), and per-pixel noise, independent per channel, is chroma too. Unsmoothed, a noisy
# greyscale photograph read half as colourful as a colour one or more, so "vivid" stood for "noisy": on
# synth_koniq's training split colourfulness followed the applied noise with Spearman 0.42, smoothed
# 0.27 (docs/experiments/feature_estimators.json, srcc_train_vs_noise).
CHROMA_SIGMA = 2.0  # px


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness, on 0-255 RGB, of the image smoothed by a Gaussian of
    CHROMA_SIGMA pixels (its colour, not its pixel noise)."""
    from scipy.ndimage import gaussian_filter

    if rgb.ndim == 2:  # greyscale: no colour (as jpeg_quantization, a 2-D image is accepted)
        return 0.0
    return hasler_suesstrunk(gaussian_filter(rgb[..., :3].astype(float), sigma=(CHROMA_SIGMA, CHROMA_SIGMA, 0)))


def hasler_suesstrunk(rgb: np.ndarray) -> float:
    """The Hasler & Süsstrunk (2003) colourfulness formula itself, on 0-255 RGB values as given."""
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def chroma_noise(rgb: np.ndarray) -> float:
    """Noise standard deviation (0-1 scale) of the opponent channels (R-G)/sqrt2 and (R+G-2B)/sqrt6,
    which carry an independent per-channel noise at its full strength; a colourless image has none."""
    from skimage.restoration import estimate_sigma

    img = rgb.astype(float) / 255.0
    opponent = [(img[..., 0] - img[..., 1]) / np.sqrt(2), (img[..., 0] + img[..., 1] - 2 * img[..., 2]) / np.sqrt(6)]
    sigmas = [float(estimate_sigma(c)) if np.ptp(c) > 0 else 0.0 for c in opponent]
    return float(np.mean(sigmas))


# Luminance (Rec. 709 weights, as skimage's rgb2gray) of noise independent per channel, relative to
# its opponent-channel standard deviation.
_LUMA_PER_CHROMA = float(np.sqrt(0.2125**2 + 0.7154**2 + 0.0721**2))


def _band_gains() -> tuple[float, float]:
    """Variance share of white noise in the fine and middle bands (a fixed-seed 256x256 field)."""
    field = np.random.default_rng(0).normal(0.0, 1.0, (256, 256))
    return _bands(field)


def _bands(grey: np.ndarray) -> tuple[float, float]:
    from skimage.filters import gaussian

    g1, g2 = gaussian(grey, 1.0), gaussian(grey, 2.0)
    return float(((grey - g1) ** 2).mean()), float(((g1 - g2) ** 2).mean())


_WHITE_FINE, _WHITE_MID = _band_gains()


def band_blur(grey: np.ndarray, noise_sigma: float) -> float:
    """-log(fine-band energy / middle-band energy), both less the measured noise's share: higher is
    blurrier. The floor keeps a band that the noise estimate empties finite."""
    fine, mid = _bands(grey)
    noise_var = (noise_sigma * _LUMA_PER_CHROMA) ** 2
    fine, mid = max(fine - _WHITE_FINE * noise_var, 1e-7), max(mid - _WHITE_MID * noise_var, 1e-7)
    return float(-np.log(fine / mid))


# Annex K luminance quantization table of the JPEG standard, which libjpeg (Pillow's, most cameras' and
# editors') scales by the quality setting.
_JPEG_LUMA = np.array([
    [16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55], [14, 13, 16, 24, 40, 57, 69, 56],
    [14, 17, 22, 29, 51, 87, 80, 62], [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]], dtype=float)
_AC = np.add.outer(np.arange(8), np.arange(8)) > 0
LATTICE_FIT = 0.3     # mean cos(2 pi c / step) over non-zero coefficients: ~0.8 on a JPEG's own steps
                      # (rounding to 8 bits spreads them), ~0 off them; 0.3 chosen on the training split
LATTICE_Z = 6.0       # and that mean 6 standard errors above chance (a cosine of a uniform phase: mean 0,
                      # variance 1/2), since up to ~90 qualities are tried per image: at 2 standard errors
                      # a heavily compressed image resized afterwards still "fitted" by chance
MAX_BLOCKS = 1024     # evenly spread blocks of a large image are evidence enough, and bound the time
                      # (a 1024x768 photograph has 12,288; the stand-ins' 64 px images 64)


def ijg_table(quality: int) -> np.ndarray:
    """The IJG luminance quantization steps at `quality` (1-100), as libjpeg scales them (an integer
    division of 5000 by the quality below 50)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((_JPEG_LUMA * scale + 50) / 100), 1, 255)


def jpeg_quantization(rgb: np.ndarray) -> float:
    """1 - q/100 for the IJG quality q whose steps the luminance's AC coefficients (8x8 DCT on JPEG's
    grid, from the top-left corner) sit on best; 0 when none fits with steps of 3 or more (uncompressed,
    quality above about 87, or re-rendered after compression). Several lattices fit a JPEG: steps a little
    coarser than the saved ones (the coefficients one step from zero still fit), about twice as coarse
    (only the larger coefficients left, a weak fit) and half as fine (Q/2 holds every multiple of Q, but
    the 8-bit rounding spreads the coefficients further relative to it). The saved steps fit best, so the
    quality of the best fit is read: saved at 5-85, six photographs read their quality to within 1,
    where the first quality that fits read 9 or 14 for 20 or 30 on five of them."""
    from scipy.fft import dctn

    if rgb.ndim == 2:  # greyscale: its own luminance
        rgb = rgb[..., None].repeat(3, axis=-1)
    y = rgb[..., :3].astype(float) @ np.array([0.299, 0.587, 0.114]) - 128.0  # JPEG's (JFIF) luminance
    h, w = y.shape[0] // 8 * 8, y.shape[1] // 8 * 8
    if h == 0 or w == 0:
        return 0.0
    blocks = y[:h, :w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[np.linspace(0, len(blocks) - 1, MAX_BLOCKS).round().astype(int)]
    coeffs = dctn(blocks, axes=(1, 2), norm="ortho")[:, _AC]
    best, best_fit = None, 0.0  # the best-fitting quality among those that fit
    for quality in range(1, 101):
        steps = ijg_table(quality)[_AC]
        if steps.min() < 3:  # steps of 1 or 2 fit any image
            break
        nonzero = np.abs(coeffs) > steps / 2
        if not nonzero.any():
            continue
        fit = np.cos(2 * np.pi * coeffs / steps)[nonzero].mean()
        if fit > LATTICE_FIT and fit * np.sqrt(2 * nonzero.sum()) > LATTICE_Z and fit > best_fit:
            best, best_fit = quality, fit
    return 0.0 if best is None else 1.0 - best / 100


def measure(rgb: np.ndarray) -> dict[str, float]:
    """Raw feature values of an RGB uint8 image."""
    from skimage.color import rgb2gray

    grey = rgb2gray(rgb)
    noise = chroma_noise(rgb)
    return {
        "blur": band_blur(grey, noise),
        "noise": noise,
        "compression": jpeg_quantization(rgb),
        "exposure": float(grey.mean()),
        "contrast": float(grey.std()),
        "colour": colourfulness(rgb),
    }


def described(selection: list[str] | None = None) -> list[str]:
    """The features descriptions name, in FEATURES order: a config's labels.features (None: DESCRIBED),
    checked (known features, none twice, at least one)."""
    from reasoniqa import UserError

    selection = DESCRIBED if selection is None else list(selection)
    unknown = [f for f in selection if f not in FEATURES]
    if unknown:
        raise UserError(f"labels.features: unknown feature(s) {', '.join(map(repr, unknown))} "
                        f"(features: {', '.join(FEATURES)})")
    if not selection or len(set(selection)) != len(selection):
        raise UserError(f"labels.features: {selection} must name at least one feature, each once")
    return [f for f in FEATURES if f in selection]


def level_quantiles(overrides: dict | None = None) -> dict[str, list[float]]:
    """QUANTILES with a config's per-feature overrides (labels.quantiles), checked: one fewer quantile
    than the feature has levels, strictly increasing inside (0, 1)."""
    from reasoniqa import UserError

    overrides = overrides or {}
    for feature, qs in overrides.items():
        if feature not in LEVELS:
            raise UserError(f"labels.quantiles: unknown feature {feature!r} (features: {', '.join(FEATURES)})")
        if len(qs) != len(LEVELS[feature]) - 1:
            raise UserError(f"labels.quantiles.{feature}: {len(qs)} quantiles for {len(LEVELS[feature])} levels "
                            f"({', '.join(LEVELS[feature])}): give {len(LEVELS[feature]) - 1}")
        if not all(a < b for a, b in zip([0, *qs], [*qs, 1])):  # 0 < q1 < q2 < ... < 1
            raise UserError(f"labels.quantiles.{feature}: {qs} must increase strictly inside (0, 1)")
    return {**QUANTILES, **{f: [float(q) for q in qs] for f, qs in overrides.items()}}


# Features whose value 0 means the property is absent: colourfulness 0 is a greyscale image (38 % of
# synth_koniq's training images), compression 0 no JPEG quantization found (77 %). Quantiles over that
# mass of zeros put the first cut at 0, and a value at a cut taking the level above, "muted" was never
# named (not even for a desaturated image). So their cuts are placed among the images that have the
# property, and an image without it is in the lowest level. Noise is read from the chroma, which a
# greyscale image has none of: it reads exactly 0, noise-free or not measurable. Cut over all images, the
# median (noise's first cut) fell among the noise-free colour photographs, so half of them were "slightly
# noisy" while every greyscale or desaturated image was clean (the desaturation ladder then rated better
# rung by rung); cut among the images with chroma, "none" holds 70 % of the training split, the share
# without applied noise (71 %), and its level follows the applied noise with Spearman 0.80 instead of
# 0.71 on the test splits (features of the 0f223c6 run).
ABSENT_AT_ZERO = {"colour", "compression", "noise"}


def feature_cuts(values, feature: str, quantiles: list[float]) -> list[float]:
    """One feature's level thresholds: `quantiles` of its training-split `values`; for ABSENT_AT_ZERO
    features, of the non-zero values. A training split where such a feature is absent throughout (a
    greyscale collection; one stored uncompressed or resized, so no JPEG lattice) gives no scale to cut:
    every image is put in its lowest level (empty_levels then names the others, and calibrate_files logs
    them)."""
    v = np.asarray(values, dtype=float)
    if feature in ABSENT_AT_ZERO:
        if not (v > 0).any():
            return [float("inf")] * len(quantiles)
        v = v[v > 0]
    return [float(np.quantile(v, q)) for q in quantiles]


def calibrate(values, quantiles: dict | None = None) -> dict[str, list[float]]:
    """Level thresholds per feature (feature_cuts) from a DataFrame of training-split measurements, at
    `quantiles` (overrides of QUANTILES)."""
    qs = level_quantiles(quantiles)
    return {f: feature_cuts(values[f], f, qs[f]) for f in FEATURES}


def empty_levels(values, thresholds: dict) -> list[tuple[str, str]]:
    """(feature, level) pairs that no row of `values` (the training split's measurements) falls in. A
    quantile that lands on a mass of equal values (as colourfulness 0 of the greyscale photographs did
    before ABSENT_AT_ZERO) puts the cut at that value, and a value at a cut takes the level above it: the
    level below is never named."""
    empty = []
    for f in FEATURES:
        named = {int(np.searchsorted(thresholds[f], v, side="right")) for v in values[f]}
        empty += [(f, level) for i, level in enumerate(LEVELS[f]) if i not in named]
    return empty


def quantize(value: float, thresholds: list[float], feature: str) -> str:
    return LEVELS[feature][int(np.searchsorted(thresholds, value, side="right"))]


def levels_of(row, thresholds: dict) -> dict[str, str]:
    """The level of each feature `thresholds` holds (labels.load_thresholds: the described ones)."""
    return {f: quantize(row[f], thresholds[f], f) for f in FEATURES if f in thresholds}
