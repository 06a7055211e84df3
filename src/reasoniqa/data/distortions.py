"""Distortions with a strength in [0, 1], and how much each one impairs perceived quality.

Images are float arrays in [0, 1], HxWx3. Every random choice takes a numpy Generator.
"""

from __future__ import annotations

import io

import numpy as np


def blur(img, s, rng):
    from skimage.filters import gaussian

    return gaussian(img, sigma=0.3 + 2.7 * s, channel_axis=-1)


def noise(img, s, rng):
    return img + rng.normal(0.0, 0.02 + 0.18 * s, img.shape)


def jpeg(img, s, rng):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buf, format="JPEG", quality=int(round(70 - 65 * s)))
    return np.asarray(Image.open(buf).convert("RGB")) / 255.0


def jp2k(img, s, rng):
    """JPEG 2000 compression (Pillow's OpenJPEG), compression ratio 10..200."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buf, format="JPEG2000", quality_mode="rates",
                                        quality_layers=[10 + 190 * s])
    return np.asarray(Image.open(buf).convert("RGB")) / 255.0


def fastfading(img, s, rng):
    """LIVE's fast-fading-like damage: JPEG 2000 plus lost blocks replaced by a blurred copy."""
    from skimage.filters import gaussian

    out = jp2k(img, 0.3 * s, rng)
    smeared = gaussian(out, sigma=3.0, channel_axis=-1)
    h, w = out.shape[:2]
    block = max(4, h // 8)
    for _ in range(int(round(1 + 10 * s))):
        y, x = rng.integers(0, max(1, h - block)), rng.integers(0, max(1, w - block))
        out[y : y + block, x : x + block] = smeared[y : y + block, x : x + block]
    return out


def pinknoise(img, s, rng):
    """1/f ("pink") noise, as CSIQ's fnoise: white noise shaped by 1/|f| in the Fourier domain."""
    h, w = img.shape[:2]
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    shaping = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / max(h, w))
    white = rng.normal(0, 1, img.shape)
    pink = np.real(np.fft.ifft2(np.fft.fft2(white, axes=(0, 1)) * shaping[..., None], axes=(0, 1)))
    pink /= pink.std() + 1e-12
    return img + pink * (0.02 + 0.12 * s)


def dark(img, s, rng):
    return img ** (1.0 + 2.5 * s)


def bright(img, s, rng):
    return 1.0 - (1.0 - img) ** (1.0 + 2.5 * s)


def contrast(img, s, rng):
    mean = img.mean()
    return mean + (img - mean) * (1.0 - 0.85 * s)


def desaturate(img, s, rng):
    grey = img.mean(axis=-1, keepdims=True)
    return grey + (img - grey) * (1.0 - s)


DISTORTIONS = {
    "blur": blur,
    "noise": noise,
    "jpeg": jpeg,
    "jp2k": jp2k,
    "fastfading": fastfading,
    "pinknoise": pinknoise,
    "dark": dark,
    "bright": bright,
    "contrast": contrast,
    "desaturate": desaturate,
}

# Impairment at full strength, per distortion (0 = invisible, 1 = destroys quality). Desaturation
# is the mildest, as in subjective studies where colour loss costs less than blur or noise.
MAX_IMPAIRMENT = {
    "blur": 0.9,
    "noise": 0.85,
    "jpeg": 0.8,
    "jp2k": 0.8,
    "fastfading": 0.85,
    "pinknoise": 0.8,
    "dark": 0.7,
    "bright": 0.7,
    "contrast": 0.6,
    "desaturate": 0.35,
}


def to_uint8(img) -> np.ndarray:
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def apply(img, applied: dict[str, float], rng) -> np.ndarray:
    """Apply distortions in a fixed order (dict order), clipping to [0, 1] after each."""
    out = img
    for name, strength in applied.items():
        out = np.clip(DISTORTIONS[name](out, strength, rng), 0.0, 1.0)
    return out
