"""Conversation records (JSONL, one per sample) of each training stage and baseline.

- one_stage       image + question -> level                       (Q-Align-style baseline)
- one_stage_desc  image + question -> description, then level     (Q-Instruct-style baseline)
- stage1          image + question -> description                 (two-stage, step 1)
- stage2          description (no image) + question -> level      (two-stage, step 2)
"""

from __future__ import annotations

import numpy as np

from reasoniqa.descriptions import describe
from reasoniqa.features import levels_of
from reasoniqa.levels import score_to_level

KINDS = ["one_stage", "one_stage_desc", "stage1", "stage2"]


def _base(row, dataset: str, level: str) -> dict:
    return {"dataset": dataset, "name": row["name"], "split": row["split"], "score": float(row["score"]),
            "level": level}


def all_records(frame, features, thresholds: dict, dataset: str, cfg: dict,
                teacher_texts: list[str] | None = None) -> dict[str, list[dict]]:
    """Records of every kind for a manifest frame and its measured features (joined on name).

    With `teacher_texts` (one per row, from a teacher VLM) those are the descriptions, and the feature
    levels recorded are what the parser reads in them (None where a text names no level)."""
    from reasoniqa.descriptions import parse

    words = cfg["levels"]["words"]
    feats = features.set_index("name")
    rng = np.random.default_rng([cfg["labels"]["seed"], sum(map(ord, dataset))])
    out = {k: [] for k in KINDS}
    levels = score_to_level(frame["score"].to_numpy(), len(words))
    for i, (row, lvl) in enumerate(zip(frame.to_dict("records"), levels)):
        level = words[lvl]
        if teacher_texts is None:
            feature_levels = levels_of(feats.loc[row["name"]], thresholds)
            text = describe(feature_levels, rng, cfg["labels"].get("paraphrases"))
        else:
            text = teacher_texts[i]
            feature_levels = {f: v for f, v in parse(text).items() if f in thresholds}
        base = {**_base(row, dataset, level), "features": feature_levels, "description": text}
        # the turn each kind trains; its text is rendered for the model by reasoniqa.prompts
        out["one_stage"].append({**base, "image": row["path"], "turn": "rate"})
        out["one_stage_desc"].append({**base, "image": row["path"], "turn": "describe_and_rate"})
        out["stage1"].append({**base, "image": row["path"], "turn": "describe"})
        out["stage2"].append({**base, "turn": "infer"})
    return out


def measured_descriptions(names, features, thresholds: dict, dataset: str, cfg: dict) -> list[str]:
    """What a perfect stage 1 would write: each image described with exactly its measured feature levels
    (the training labels' phrasing, seeded apart from them)."""
    from reasoniqa import UserError

    rng = np.random.default_rng([cfg["labels"]["seed"], sum(map(ord, dataset)), 1])
    feats = features.set_index("name") if "name" in features.columns else features
    missing = [n for n in names if n not in feats.index]
    if missing:
        raise UserError(f"{dataset}: no measured features for image {missing[0]!r} ({len(missing)} missing): "
                        "rerun the features step")
    return [describe(levels_of(feats.loc[n], thresholds), rng, cfg["labels"].get("paraphrases")) for n in names]
