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
    prompts, with_image = get_method(method).rating_contexts(cfg, texts)
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


def intervention_table(files: list[str], cfg: dict):
    """Per (method, dataset) and an average row per method: edits scored; `right`, the share of an
    image's edits that moved the score in the expected direction, and `mean_shift`, its mean shift toward
    that direction (1-5 scale), both averaged over images (each image counts once) and seeds, with 95%
    two-level bootstrap intervals over seeds and images; `right_worse` / `right_better`: the share over
    all edits that wrote a degradation in / out."""
    import pandas as pd

    from reasoniqa.evaluate import parse_prediction_path
    from reasoniqa.metrics import Resamples, draw_seed_weights, percentile_interval

    ev = cfg["evaluate"]
    groups: dict = {}
    for f in files:
        key = parse_prediction_path(f)
        frame = pd.read_csv(f)
        frame["toward"] = frame["shift"] * frame["direction"]
        groups.setdefault((key["method"], key["dataset"]), []).append(frame)
    datasets = sorted({d for _, d in groups})
    rows, dists = [], {}
    for (method, dataset), frames in sorted(groups.items()):
        # Each seed edits the descriptions it wrote itself, so the images with an editable description
        # differ between seeds: an image a seed did not edit is missing (NaN) for that seed.
        names = sorted(set().union(*(set(f["name"]) for f in frames)))
        per_image = {c: np.stack([f.groupby("name")[c].mean().reindex(names).to_numpy(float) for f in frames])
                     for c in ("right", "toward")}
        resamples = Resamples(len(frames), len(names), ev["bootstrap"], ev["seed"] * 1000 + datasets.index(dataset),
                              draw_seed_weights(len(frames), ev["bootstrap"], ev["seed"]))
        row = {"method": method, "dataset": dataset, "seeds": len(frames), "images": len(names),
               "edits": int(np.mean([len(f) for f in frames]))}
        for column, values in (("right", per_image["right"]), ("mean_shift", per_image["toward"])):
            # the estimate the intervals resample: each image counts once, whatever its number of edits
            dists[(method, dataset, column)] = dist = resamples.mean(values)
            row[column] = float(np.mean(np.nanmean(values, axis=1)))
            row[f"{column}_lo"], row[f"{column}_hi"] = percentile_interval(dist, ev["confidence"])
        row["right_worse"] = float(np.mean([f.loc[f["direction"] < 0, "right"].mean() for f in frames]))
        row["right_better"] = float(np.mean([f.loc[f["direction"] > 0, "right"].mean() for f in frames]))
        rows.append(row)
    columns = ["method", "dataset", "seeds", "images", "edits", "right", "right_lo", "right_hi", "right_worse",
               "right_better", "mean_shift", "mean_shift_lo", "mean_shift_hi"]
    table = pd.DataFrame(rows, columns=columns)
    averages = []
    for method, part in table.groupby("method", sort=True):
        avg = {"method": method, "dataset": "average", "seeds": int(part["seeds"].min()),
               "images": int(part["images"].sum()), "edits": int(part["edits"].sum())}
        for column in ("right", "right_worse", "right_better", "mean_shift"):
            avg[column] = float(part[column].mean())
        for column in ("right", "mean_shift"):
            avg[f"{column}_lo"], avg[f"{column}_hi"] = percentile_interval(
                np.mean([dists[(method, d, column)] for d in part["dataset"]], axis=0), ev["confidence"])
        averages.append(avg)
    return pd.concat([table, pd.DataFrame(averages, columns=columns)], ignore_index=True)


def write_intervention(cfg: dict, files: list[str], table_path: str, metrics_path: str) -> None:
    from reasoniqa.evaluate import metrics_of
    from reasoniqa.io import write_json, write_table

    table = intervention_table(files, cfg)
    write_table(table_path, table, ".4f", latex=True)
    write_json(metrics_path, metrics_of(table, ["right", "right_worse", "right_better", "mean_shift"]))
