"""Correlation metrics, the VQEG logistic fit and bootstrap intervals (scipy does the statistics)."""

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


def resampled_correlation(preds: np.ndarray, target: np.ndarray, idx: np.ndarray, kind: str) -> np.ndarray:
    """Seed-mean SRCC or PLCC of `preds` [S, N] vs `target` [N] on image index resamples `idx` [..., N]."""
    p, t = preds[:, idx], np.broadcast_to(target[idx], preds[:, idx].shape)
    if kind == "srcc":
        p, t = stats.rankdata(p, axis=-1), stats.rankdata(t, axis=-1)
    return _pearson_last_axis(p, t).mean(axis=0)


def bootstrap_distribution(statistic, n: int, resamples: int, seed: int) -> np.ndarray:
    """Bootstrap distribution of statistic(idx) over resamples of n image indices, drawn by
    scipy.stats.bootstrap (percentile method; the statistic is vectorized over resamples). Using the
    same indices for several methods makes paired differences."""
    res = stats.bootstrap((np.arange(n),), lambda idx, axis=-1: statistic(idx), vectorized=True,
                          paired=False, n_resamples=resamples, method="percentile",
                          random_state=np.random.default_rng(seed))
    return np.asarray(res.bootstrap_distribution)


def percentile_interval(distribution: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of a bootstrap distribution, ignoring resamples where the statistic is undefined."""
    finite = distribution[np.isfinite(distribution)]
    if finite.size < 0.5 * distribution.size:
        return NAN, NAN
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(finite, [alpha, 1 - alpha])
    return float(lo), float(hi)
