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


def level_token_ids(tokenizer, words: list[str], context: str = "The quality of the image is") -> list[int]:
    """First sub-token of each level's answer where the scorer reads it: `context` (a prompt ending at the
    answer prefix) and the answer the trainer trains (" bad."), tokenized together, since a SentencePiece
    (Metaspace) tokenizer writes a word at the start of a text differently than after another, and a
    BPE may merge the word with what follows (Q-Align reads the first sub-token). They must be
    distinct to be scored apart."""
    from reasoniqa.prompts import level_answer

    before = tokenizer(context, add_special_tokens=False)["input_ids"]
    ids = []
    for w in words:
        joint = tokenizer(context + level_answer(w), add_special_tokens=False)["input_ids"]
        if joint[: len(before)] != before or len(joint) == len(before):
            raise UserError(f"levels.words: {w!r} does not tokenize apart from the prompt before it")
        ids.append(joint[len(before)])
    if len(set(ids)) != len(ids):
        raise UserError(f"levels.words: the level words share a first sub-token {ids}; choose other words")
    return ids


def expected_score(probs: np.ndarray, weights) -> np.ndarray:
    """Probability-weighted level score (Q-Align): probs [N, L] rows summing to 1, weights [L]."""
    return np.asarray(probs) @ np.asarray(weights, dtype=float)
