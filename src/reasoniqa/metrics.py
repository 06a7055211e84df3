"""Correlation metrics (scipy does the statistics)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def correlations(pred, target) -> dict[str, float]:
    """SRCC / PLCC / KRCC between predictions and higher-is-better targets.

    A constant prediction has no defined correlation: reported as NaN, never as a number.
    """
    pred, target = np.asarray(pred, float), np.asarray(target, float)
    if len(pred) < 3 or np.ptp(pred) == 0 or np.ptp(target) == 0:
        return {"srcc": float("nan"), "plcc": float("nan"), "krcc": float("nan")}
    return {
        "srcc": float(stats.spearmanr(pred, target).statistic),
        "plcc": float(stats.pearsonr(pred, target).statistic),
        "krcc": float(stats.kendalltau(pred, target).statistic),
    }
