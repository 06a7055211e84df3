"""A documented psychometric model turning applied distortions into simulated subjective scores.

1. Impairment curve per distortion: I_d(s) = a_d * (1 - exp(-k s)) / (1 - exp(-k)), saturating
   in strength s (k = 3), scaled by the distortion's maximum impairment a_d.
2. Minkowski pooling across distortions (exponent p = 2): I = min(1, (sum_d I_d^p)^(1/p)).
3. True quality Q = q0 * (1 - I), with q0 the pristine content's own quality.
4. Simulated raters: rater r scores clip(Q + b_r + e, 0, 1), b_r ~ N(0, 0.05) a rater bias and
   e ~ N(0, 0.10) per-judgement noise; MOS = mean over raters, mapped to the dataset's scale.
"""

from __future__ import annotations

import numpy as np

from reasoniqa.data.distortions import MAX_IMPAIRMENT

CURVE_K = 3.0
MINKOWSKI_P = 2.0
RATER_BIAS_SD = 0.05
RATER_NOISE_SD = 0.10


def impairment(name: str, strength: float) -> float:
    return MAX_IMPAIRMENT[name] * (1 - np.exp(-CURVE_K * strength)) / (1 - np.exp(-CURVE_K))


def true_quality(applied: dict[str, float], content_quality: float) -> float:
    parts = np.array([impairment(n, s) for n, s in applied.items()])
    pooled = min(1.0, float((parts**MINKOWSKI_P).sum() ** (1 / MINKOWSKI_P))) if len(parts) else 0.0
    return content_quality * (1.0 - pooled)


def rate(quality, rater_bias: np.ndarray, rng) -> np.ndarray:
    """One judgement per rater, in [0, 1] higher-better: [raters] for one quality, [images, raters] for a
    column of qualities ([images, 1])."""
    shape = np.broadcast_shapes(np.shape(quality), rater_bias.shape)
    return np.clip(quality + rater_bias + rng.normal(0, RATER_NOISE_SD, shape), 0.0, 1.0)
