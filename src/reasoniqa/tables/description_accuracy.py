"""Stage-1 feature accuracy: do generated descriptions name the measured feature levels?"""

from __future__ import annotations

from pathlib import Path

from reasoniqa.io import write_table
from reasoniqa.layout import parse_prediction_path


def feature_agreement(parsed: list[dict], truth: list[dict]) -> dict[str, float]:
    """Per feature of `truth` (the described ones), the share of descriptions (parsed) that name the
    true level."""
    return {f: sum(p[f] == t[f] for p, t in zip(parsed, truth)) / len(truth) for f in truth[0]}


def balanced_agreement(parsed: list[dict], truth: list[dict]) -> dict[str, float]:
    """Per feature, the mean over the true levels present of the share of their images described with that
    level: a constant answer scores 1 / (levels present), whichever level it names, so a model that learned
    only the prior does not look good where one level dominates (experiments/stage1_balance.py)."""
    out = {}
    for f in truth[0]:
        present = sorted({t[f] for t in truth})
        recalls = [sum(p[f] == lv for p, t in zip(parsed, truth) if t[f] == lv) / sum(t[f] == lv for t in truth)
                   for lv in present]
        out[f] = sum(recalls) / len(recalls)
    return out


def majority_agreement(truth: list[dict]) -> dict[str, float]:
    """Per feature, the share of its most common true level: the best constant answer's agreement."""
    from collections import Counter

    return {f: Counter(t[f] for t in truth).most_common(1)[0][1] / len(truth) for f in truth[0]}


def description_accuracy(pred_files: list[str], feature_files: list[str], calibration: str,
                         table_path: str) -> None:
    """How often generated descriptions name the measured feature level (stage-1 feature accuracy),
    per method with descriptions x dataset and described feature; `complete` is the share naming each
    described feature once.
    A `majority_level` row per dataset is the best constant answer: always naming each feature's most
    common level among those images (what a model that learned nothing but the prior would reach)."""
    import pandas as pd

    from reasoniqa.descriptions import names_every_feature, parse
    from reasoniqa.features import levels_of
    from reasoniqa.labels import load_thresholds

    thresholds = load_thresholds(calibration)  # of the described features
    named = list(thresholds)  # load_thresholds keeps FEATURES order
    features = {Path(f).stem: pd.read_csv(f).set_index("name") for f in feature_files}
    rows, majority = [], {}
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f, keep_default_na=False)
        if not pred["description"].astype(str).str.len().any() or key["dataset"] not in features:
            continue
        feats = features[key["dataset"]]
        parsed = [parse(str(d)) for d in pred["description"]]
        truth = [levels_of(feats.loc[n], thresholds) for n in pred["name"]]
        row = {**key, "n": len(pred),
               "complete": sum(names_every_feature(p, named) for p in parsed) / len(pred)}
        row.update(feature_agreement(parsed, truth))
        row["mean"] = sum(row[feat] for feat in named) / len(named)
        rows.append(row)
        if key["dataset"] not in majority:
            best = majority_agreement(truth)
            majority[key["dataset"]] = {"method": "majority_level", "dataset": key["dataset"], "n": len(pred),
                                        **best, "mean": sum(best.values()) / len(named)}
    rows += majority.values()
    table = pd.DataFrame(rows, columns=["method", "dataset", "seed", "n", "complete", *named, "mean"])
    table = table.sort_values(["method", "dataset", "seed"]).reset_index(drop=True)
    table["seed"] = table["seed"].astype("Int64")  # whole numbers; empty on the majority rows
    write_table(table_path, table, ".3f")
