"""How far a rating is grounded in the model's own description, and when the two contradict.

Grounding: the generated description is parsed back into feature levels (exact phrase lookup); the
share of the variance of the model's own predicted score that those levels explain, by cross-validated
ridge regression on their one-hot encoding (R² on held-out images; 1 = the score is a function of the
described features, 0 = unrelated).

Contradiction (per image): the description names a severe degradation (blur, noise or compression at
its worst level) while the level is one of the two best; or it names every described feature
(labels.features) at its best (sharp, clean, uncompressed, normal exposure and contrast, colours not
muted) while the level is one of the two worst. The contradiction rate is the share of described images that contradict.
"""

from __future__ import annotations

import numpy as np

from reasoniqa.descriptions import names_every_feature, parse
from reasoniqa.features import LEVELS, described

DEGRADATIONS = ("blur", "noise", "compression")
BEST = {"blur": {"none"}, "noise": {"none"}, "compression": {"none"}, "exposure": {"normal"},
        "contrast": {"normal"}, "colour": {"natural", "vivid"}}


def design_matrix(parsed: list[dict], features: list[str] | None = None) -> np.ndarray:
    """One-hot columns per level of each of `features` (None: features.DESCRIBED), plus one per feature
    for 'not mentioned'."""
    cols = [(f, lvl) for f in described(features) for lvl in [*LEVELS[f], None]]
    return np.array([[float(p[f] == lvl) for f, lvl in cols] for p in parsed])


def cv_r2(x: np.ndarray, y: np.ndarray, folds: int, seed: int, alpha: float = 1.0) -> float:
    """Pooled held-out R² of ridge regression over `folds` seeded folds. Written here (closed form,
    a dozen lines) because the project has no scikit-learn dependency for this one estimator."""
    y = np.asarray(y, float)
    if len(y) < 2 * folds or np.ptp(y) == 0:
        return float("nan")
    order = np.random.default_rng(seed).permutation(len(y))
    held = np.empty_like(y)
    for test in np.array_split(order, folds):
        train = np.setdiff1d(order, test)
        xm, ym = x[train].mean(0), y[train].mean()
        xt = x[train] - xm
        w = np.linalg.solve(xt.T @ xt + alpha * np.eye(x.shape[1]), xt.T @ (y[train] - ym))
        held[test] = (x[test] - xm) @ w + ym
    return float(1 - ((y - held) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def contradiction(levels: dict, level_word: str, words: list[str], features: list[str] | None = None) -> str | None:
    """'severe_good', 'clean_bad' or None for one description/level pair (see module docstring);
    `features`: the described ones (None: features.DESCRIBED)."""
    if level_word in words[-2:] and any(levels[f] == "severe" for f in DEGRADATIONS):
        return "severe_good"
    clean = all(levels[f] in BEST[f] for f in described(features))
    if level_word in words[:2] and clean:
        return "clean_bad"
    return None


def grounding_stats(descriptions: list[str], level_words: list[str], scores, words: list[str],
                    folds: int, seed: int, features: list[str] | None = None) -> dict:
    """`features`: the described ones (labels.features; None: features.DESCRIBED)."""
    features = described(features)
    parsed = [parse(str(d)) for d in descriptions]
    kinds = [contradiction(p, w, words, features) for p, w in zip(parsed, level_words)]
    n = len(parsed)
    return {
        "n": n,
        "complete": sum(names_every_feature(p, features) for p in parsed) / n,
        "r2_cv": cv_r2(design_matrix(parsed, features), scores, folds, seed),
        "contradiction": sum(k is not None for k in kinds) / n,
        "severe_good": kinds.count("severe_good") / n,
        "clean_bad": kinds.count("clean_bad") / n,
    }
