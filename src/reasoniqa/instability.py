"""The paper's repeated-query test (Table 2) and its temperature curve: how much K sampled answers to
the same image disagree.

Per image, over its K sampled answers that name a level (an answer naming none is not a rating; the
share of answers that do is reported as `valid_share`):
- `unstable`: 1 when those answers do not all give the same level (the paper's rate is its mean). It
  grows with K: more draws, more chances to disagree.
- `disagreement`: the probability that two of them, drawn without replacement, differ
  (1 - sum c(c-1) / (n(n-1)) over the level counts c): an unbiased estimate of the chance that two
  independent queries disagree, so its expectation does not depend on K.
Both need two valid answers; images with fewer are left out of them (`rated`: the share with two).
Also: the entropy (bits) of the valid levels and the std of their 1-5 scores.
"""

from __future__ import annotations

import warnings

import numpy as np

from reasoniqa.sampling import NO_LEVEL

MEASURES = ("instability", "disagreement", "valid_share")  # each with a two-level bootstrap interval
PER_IMAGE = {"instability": "unstable", "disagreement": "disagreement", "valid_share": "valid_share"}


def temperature_tag(t: float) -> str:
    """Folder of the samples drawn at temperature t (t0.1, t1, t0.05): up to three decimals, which the
    prediction-path pattern reads back; the config's temperatures must differ at that precision."""
    return "t" + f"{float(t):.3f}".rstrip("0").rstrip(".")


def answer_stats(level_lists: list[list[str]], words: list[str], weights) -> dict:
    """Per-image arrays (NaN where a measure is undefined): unstable, disagreement, valid_share,
    entropy, spread."""
    from scipy import stats

    weight = dict(zip(words, weights))
    out = {k: [] for k in ("unstable", "disagreement", "valid_share", "entropy", "spread")}
    for levels in level_lists:
        valid = [lv for lv in levels if lv != NO_LEVEL]
        n = len(valid)
        counts = np.unique(valid, return_counts=True)[1] if valid else np.zeros(0)
        out["valid_share"].append(n / len(levels) if levels else np.nan)
        out["unstable"].append(float(len(counts) > 1) if n >= 2 else np.nan)
        out["disagreement"].append(1 - float((counts * (counts - 1)).sum()) / (n * (n - 1)) if n >= 2 else np.nan)
        out["entropy"].append(float(stats.entropy(counts, base=2)) if n else np.nan)
        out["spread"].append(float(np.std([weight[lv] for lv in valid])) if n else np.nan)
    return {k: np.array(v, float) for k, v in out.items()}


def _nanmean(values) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all undefined: NaN, shown as empty
        return float(np.nanmean(values))
