"""Quality levels: MOS -> bad/poor/fair/good/excellent by equal-width bins (Q-Align's protocol)."""

from __future__ import annotations

import numpy as np

from reasoniqa import UserError


def score_to_level(score, n_levels: int = 5) -> np.ndarray:
    """Normalized score in [0, 1] (higher-better) -> level index 0..n-1 by equal-width bins.

    The top edge belongs to the last bin (score 1.0 -> n-1), as np.digitize would not do.
    """
    s = np.asarray(score, dtype=float)
    if np.any(~np.isfinite(s)) or np.any((s < 0) | (s > 1)):
        raise ValueError("scores must be finite and in [0, 1]")
    return np.minimum((s * n_levels).astype(int), n_levels - 1)


def level_token_ids(tokenizer, words: list[str]) -> list[int]:
    """First sub-token of ' word' for each level (Q-Align); they must be distinct to be scored apart."""
    ids = []
    for w in words:
        pieces = tokenizer(f" {w}", add_special_tokens=False)["input_ids"]
        if not pieces:
            raise UserError(f"levels.words: {w!r} tokenizes to nothing")
        ids.append(pieces[0])
    if len(set(ids)) != len(ids):
        raise UserError(f"levels.words: the level words share a first sub-token {ids}; choose other words")
    return ids


def expected_score(probs: np.ndarray, weights) -> np.ndarray:
    """Probability-weighted level score (Q-Align): probs [N, L] rows summing to 1, weights [L]."""
    return np.asarray(probs) @ np.asarray(weights, dtype=float)
