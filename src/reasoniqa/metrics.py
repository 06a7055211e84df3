"""Correlation metrics, the VQEG logistic fit and two-level bootstrap intervals (scipy does the statistics)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, stats

NAN = float("nan")


def oriented(target, lower_is_better: bool = False) -> np.ndarray:
    """Targets with higher = better quality (DMOS of LIVE/CSIQ are negated; correlations are then positive
    for a good predictor whatever the label's direction)."""
    target = np.asarray(target, float)
    return -target if lower_is_better else target


def logistic4(x, b1, b2, b3, b4):
    """VQEG 4-parameter logistic: monotonic map from predictions to the label scale."""
    with np.errstate(over="ignore"):  # exp overflow -> inf -> the lower asymptote, as intended
        return (b1 - b2) / (1.0 + np.exp(-(x - b3) / np.abs(b4))) + b2


def plcc_fitted(pred, target) -> float:
    """PLCC after fitting the 4-parameter logistic (NaN when the fit does not converge)."""
    pred, target = np.asarray(pred, float), np.asarray(target, float)
    p0 = [target.max(), target.min(), float(np.median(pred)), float(np.std(pred)) or 1.0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            params, _ = optimize.curve_fit(logistic4, pred, target, p0=p0, maxfev=20000)
    except (RuntimeError, ValueError):
        return NAN
    fitted = logistic4(pred, *params)
    return NAN if np.ptp(fitted) == 0 else float(stats.pearsonr(fitted, target).statistic)


def correlations(pred, target, lower_is_better: bool = False) -> dict[str, float]:
    """SRCC / PLCC / PLCC after the logistic fit / KRCC between predictions and targets.

    A constant prediction has no defined correlation: reported as NaN, never as a number.
    """
    pred, target = np.asarray(pred, float), oriented(target, lower_is_better)
    if len(pred) < 3 or np.ptp(pred) == 0 or np.ptp(target) == 0:
        return {"srcc": NAN, "plcc": NAN, "plcc_fit": NAN, "krcc": NAN}
    return {
        "srcc": float(stats.spearmanr(pred, target).statistic),
        "plcc": float(stats.pearsonr(pred, target).statistic),
        "plcc_fit": plcc_fitted(pred, target),
        "krcc": float(stats.kendalltau(pred, target).statistic),
    }


def _pearson_last_axis(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r along the last axis, NaN where either side is constant (vectorized over resamples)."""
    x = x - x.mean(-1, keepdims=True)
    y = y - y.mean(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(-1) / np.sqrt((x * x).sum(-1) * (y * y).sum(-1))


def per_seed_correlation(preds: np.ndarray, target: np.ndarray, idx: np.ndarray, kind: str) -> np.ndarray:
    """SRCC or PLCC of each seed's `preds` [S, N] vs `target` [N] on image index resamples `idx` [..., N]:
    [S, ...]."""
    p, t = preds[:, idx], np.broadcast_to(target[idx], preds[:, idx].shape)
    if kind == "srcc":
        p, t = stats.rankdata(p, axis=-1), stats.rankdata(t, axis=-1)
    return _pearson_last_axis(p, t)


def draw_seed_weights(n_seeds: int, resamples: int, seed: int) -> np.ndarray:
    """[B, S] share of each training seed among a resample's seeds drawn with replacement. A trained
    seed is one model used on every test set, so one draw serves all test sets of a table (the average
    row's interval then carries the seed effect once, not as if it were independent per test set)."""
    draws = np.random.default_rng([seed, n_seeds]).integers(0, n_seeds, (resamples, n_seeds))
    return np.stack([np.bincount(d, minlength=n_seeds) for d in draws]) / n_seeds if resamples else np.zeros((0, n_seeds))


class Resamples:
    """Two-level bootstrap resamples: seeds drawn with replacement, then images drawn with replacement.

    `images` [B, N] are image indices, `seed_weights` [B, S] the share of each seed among a resample's
    drawn seeds; a statistic computed per seed [S, B] is combined as (per_seed.T * seed_weights).sum(-1).
    With one seed this is the plain bootstrap over images. Written here because scipy.stats.bootstrap
    resamples one level only; the same object given to several methods makes paired differences
    (same images, same seeds)."""

    def __init__(self, n_seeds: int, n_images: int, resamples: int, seed: int, seed_weights: np.ndarray | None = None):
        rng = np.random.default_rng(seed)
        self.images = rng.integers(0, n_images, (resamples, n_images))
        self.seed_weights = draw_seed_weights(n_seeds, resamples, seed) if seed_weights is None else seed_weights

    def paired_difference(self, ours: np.ndarray, theirs: np.ndarray, kind: str, target: np.ndarray) -> np.ndarray:
        """Bootstrap distribution of ours - theirs (both [S, N], same seeds and images): the per-seed
        differences are combined, so a seed undefined for one side is left out of both."""
        return self.combine(per_seed_correlation(ours, target, self.images, kind)
                            - per_seed_correlation(theirs, target, self.images, kind))

    def combine(self, per_seed: np.ndarray) -> np.ndarray:
        """[S, B] per-seed statistics on the image resamples -> [B] two-level bootstrap distribution
        (NaN seeds, e.g. an undefined correlation, count as missing)."""
        w = np.where(np.isfinite(per_seed.T), self.seed_weights, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(w.sum(-1) > 0, np.nansum(per_seed.T * w, -1) / w.sum(-1), np.nan)

    def correlation(self, preds: np.ndarray, target: np.ndarray, kind: str) -> np.ndarray:
        return self.combine(per_seed_correlation(preds, target, self.images, kind))

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Per-image values [S, N] (NaN where undefined) -> bootstrap distribution of their mean."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resample with only undefined images
            return self.combine(np.nanmean(values[:, self.images], axis=-1))


def percentile_interval(distribution: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of a bootstrap distribution, ignoring resamples where the statistic is undefined."""
    finite = distribution[np.isfinite(distribution)]
    if finite.size < 0.5 * distribution.size:
        return NAN, NAN
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(finite, [alpha, 1 - alpha])
    return float(lo), float(hi)
