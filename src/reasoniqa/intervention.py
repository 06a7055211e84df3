"""Does the rating follow the description it is given? An intervention test for the describing methods.

Each image's own generated description is edited in one feature at a time: a degradation named at a
milder level is set to its worst ("severe", "low" contrast) or one named at a worse level to its best
("none", "normal"). The edited description is teacher-forced into the method's own scoring context
(one_stage_desc: image, description, answer prefix; two_stage: the description alone) and the expected
score is read as in scoring. A reasoned rater's score falls when a degradation is written in and
rises when one is written out. Per edit: the score before (same context, unedited description) and
after; `right` = the score moved in the expected direction.

R² of a score on its own description (grounding) is high for two_stage by construction, as stage 2
reads nothing else; this test asks the same question of both describing methods by changing the input.
"""

from __future__ import annotations

import numpy as np

from reasoniqa.descriptions import PHRASES, parse

# feature -> (worst level, best level): the features whose direction of quality is unambiguous
EDITABLE = {"blur": ("severe", "none"), "noise": ("severe", "none"), "compression": ("severe", "none"),
            "contrast": ("low", "normal")}


def _replace_phrase(text: str, feature: str, level: str, new_level: str) -> str:
    """The description with every phrase naming `feature` at `level` replaced by the first phrase of
    `new_level` (a capital kept where the phrase starts a sentence)."""
    import re

    new = PHRASES[feature][new_level][0]
    pattern = re.compile("|".join(re.escape(p) for p in PHRASES[feature][level]), re.IGNORECASE)
    return pattern.sub(lambda m: new.capitalize() if m.group(0)[0].isupper() else new, text)


def edits(description: str) -> list[dict]:
    """Every single-feature edit of one description: to the worst level (direction -1: the score should
    fall) and to the best (+1: it should rise), for each editable feature it names unambiguously."""
    named = parse(description)
    out = []
    for feature, (worst, best) in EDITABLE.items():
        level = named[feature]
        if level is None:
            continue
        for target, direction in ((worst, -1), (best, +1)):
            if level == target:
                continue
            edited = _replace_phrase(description, feature, level, target)
            changed = parse(edited)
            if changed[feature] == target and all(changed[f] == named[f] for f in named if f != feature):
                out.append({"feature": feature, "from": level, "to": target, "direction": direction,
                            "description": edited})
    return out


def intervene(cfg: dict, method: str, model, processor, paths: list[str], descriptions: list[str],
              progress: bool = True) -> list[dict]:
    """Per edit of each image's description: scores before and after, through the method's context."""
    from reasoniqa.levels import expected_score
    from reasoniqa.methods import get_method
    from reasoniqa.scoring import level_probabilities

    rows, texts, images = [], [], []
    for i, (path, description) in enumerate(zip(paths, descriptions)):
        changes = edits(description)
        if changes:
            texts += [description] + [c["description"] for c in changes]
            images += [path] * (1 + len(changes))
            rows += [{"image": i, **c} for c in changes]
    if not rows:
        return []
    prompts, with_image = get_method(method).rating_contexts(cfg, processor, texts)
    words, weights = cfg["levels"]["words"], cfg["levels"]["weights"]
    probs = level_probabilities(model, processor, prompts, images if with_image else None, words,
                                cfg["predict"]["batch_size"], progress)
    scores = expected_score(probs, weights)
    # texts holds, per image, its unedited description followed by its edits
    before, position = {}, 0
    for row in rows:
        if row["image"] not in before:
            before[row["image"]] = scores[position]
            position += 1
        row["score_before"], row["score_after"] = float(before[row["image"]]), float(scores[position])
        position += 1
    for row in rows:
        row["shift"] = row["score_after"] - row["score_before"]
        row["right"] = bool(np.sign(row["shift"]) == row["direction"])
    return rows


EDIT_COLUMNS = ["name", "feature", "from", "to", "direction", "score_before", "score_after", "shift", "right"]


def edits_frame(rows: list[dict], names: list[str]):
    """The rows of `intervene` as the per-dataset edits file (image names instead of indices, no texts)."""
    import pandas as pd

    return pd.DataFrame([{**row, "name": names[row["image"]]} for row in rows]).reindex(columns=EDIT_COLUMNS)
