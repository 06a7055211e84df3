"""Natural-sentence descriptions of feature levels (seeded paraphrases) and their exact inverse.

Every phrase maps to exactly one (feature, level); phrases are distinct and none contains another, so
parsing is a lookup. The grounding analysis parses generated descriptions back with `parse`.
"""

from __future__ import annotations

import re

import numpy as np

from reasoniqa.features import FEATURES, LEVELS, described

PHRASES = {
    "blur": {
        "none": ["edges are sharp", "fine detail is crisp"],
        "slight": ["edges are slightly soft", "there is a slight blur"],
        "moderate": ["the image is noticeably blurred", "detail is moderately smeared"],
        "severe": ["the image is heavily blurred", "detail is lost to strong blur"],
    },
    "noise": {
        "none": ["no grain is visible", "flat areas are clean"],
        "slight": ["faint grain appears", "there is a little noise"],
        "moderate": ["noise is clearly visible", "grain is moderate"],
        "severe": ["heavy noise covers the image", "grain is severe"],
    },
    "compression": {
        "none": ["there are no compression artifacts", "no blocking is seen"],
        "slight": ["faint block edges show", "compression is barely visible"],
        "moderate": ["blocky compression artifacts are visible", "block edges are noticeable"],
        "severe": ["strong blocking artifacts appear", "compression damage is severe"],
    },
    "exposure": {
        "dark": ["it is underexposed and dark", "the scene looks too dark"],
        "normal": ["exposure is well balanced", "brightness looks right"],
        "bright": ["it is overexposed and bright", "highlights look washed out"],
    },
    "contrast": {
        "low": ["contrast is low and flat", "tones look faded"],
        "normal": ["contrast is good", "tones are well separated"],
    },
    "colour": {
        "muted": ["colours are muted", "the colours look dull"],
        "natural": ["colours look natural", "colour rendition is normal"],
        "vivid": ["colours are vivid", "colours look saturated"],
    },
}

_LOOKUP = {p: (f, lvl) for f in PHRASES for lvl, ps in PHRASES[f].items() for p in ps}
_PATTERN = re.compile("|".join(re.escape(p) for p in sorted(_LOOKUP, key=len, reverse=True)))


def describe(levels: dict[str, str], rng: np.random.Generator, paraphrases: int | None = None) -> str:
    """Up to two sentences naming the features `levels` holds: degradations (blur, noise, compression),
    then tone (exposure, contrast, colour).

    `paraphrases` limits the phrases drawn per level to the first n (None: all). With several, a
    model's mass for one level is split over phrases while another level's phrases may share a first
    token, and greedy decoding then favours that level (measured: README, stage-1 accuracy)."""
    def phrase(f: str) -> str:
        options = PHRASES[f][levels[f]][:paraphrases]
        return options[int(rng.integers(len(options)))]

    pick = {f: phrase(f) for f in FEATURES if f in levels}
    groups = [[pick[f] for f in group if f in pick] for group in (FEATURES[:3], FEATURES[3:])]
    return " ".join(_sentence(g) for g in groups if g)


def _sentence(phrases: list[str]) -> str:
    """'A.', 'A and b.', 'A, b, and c.'"""
    head = phrases[0].capitalize()
    if len(phrases) == 1:
        return f"{head}."
    if len(phrases) == 2:
        return f"{head} and {phrases[1]}."
    return f"{head}, {', '.join(phrases[1:-1])}, and {phrases[-1]}."


def parse(text: str) -> dict[str, str | None]:
    """Feature levels named in a description, for all six features; None for a feature it does not
    mention (or names twice with different levels, as a generated text may)."""
    found: dict[str, set] = {f: set() for f in FEATURES}
    for match in _PATTERN.finditer(text.lower()):
        feature, level = _LOOKUP[match.group(0)]
        found[feature].add(level)
    return {f: next(iter(v)) if len(v) == 1 else None for f, v in found.items()}


def names_every_feature(levels: dict[str, str | None], features: list[str] | None = None) -> bool:
    """A parsed description that names each of `features` (the described ones; None:
    features.DESCRIBED) exactly once."""
    return all(levels[f] is not None for f in described(features))


def vocabulary() -> list[str]:
    """Every phrase, for the embedded tokenizer's training corpus."""
    return sorted(_LOOKUP)


def check_phrases() -> None:
    """Phrases must be unique and never contain one another (so `parse` is exact)."""
    phrases = list(_LOOKUP)
    assert len(phrases) == sum(len(ps) for f in PHRASES.values() for ps in f.values()), "duplicate phrase"
    for a in phrases:
        for b in phrases:
            assert a == b or a not in b, f"{a!r} is inside {b!r}"
    assert set(PHRASES) == set(FEATURES) and all(set(PHRASES[f]) == set(LEVELS[f]) for f in FEATURES)
