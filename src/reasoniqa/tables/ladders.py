"""Held-out distortion ladders (reasoniqa.data.ladders): does each method's score fall as a distortion
grows, on content no split uses?"""

from __future__ import annotations

import numpy as np


MEASURED = "measured descriptions"  # the label of a rater fed a perfect stage 1's descriptions
LINEAR = "linear / measured levels"  # the ceiling's linear model (reasoniqa.tables.ceiling)


def ladder_srcc(frame, scores, distortions: list[str]) -> dict[str, float]:
    """Per distortion: Spearman of `scores` (in `frame`'s order) against the strength, over every content's
    rungs of that distortion and the pristine images (strength 0). A rater that gives all of them one score
    does not rank them: 0 (Spearman is undefined there; leaving it out would average such a rater over the
    distortions it does rank only, and flatter it)."""
    from scipy import stats

    from reasoniqa.data.manifest import parse_distortions

    applied = [parse_distortions(d) for d in frame["distortions"]]
    scores = np.asarray(scores, float)
    out = {}
    for d in distortions:
        on = np.array([not a or set(a) == {d} for a in applied])  # this ladder's rungs and the pristine images
        if np.ptp(scores[on]) == 0:
            out[d] = 0.0
            continue
        out[d] = float(stats.spearmanr(scores[on], [a.get(d, 0.0) for a, keep in zip(applied, on) if keep]).statistic)
    return out


def ladder_table(pred_files: list[str], data_dirs: list[str], table_path: str, rated: list[str] = (),
                 linear: dict | None = None) -> None:
    """Per method and distortion: Spearman of the predicted score against the distortion's strength over
    every content's ladder (its pristine image at strength 0), mean over seeds; a `mean` row per method
    averages the distortions. A rater that sees the distortion scores it negative (score falls).

    The ladders' own ceiling, beside the methods: `rated` (rule rate_measured_ladders) gives rows
    `<method> / measured descriptions`, each describing method's rater fed a perfect stage 1's descriptions;
    `linear` (train_features, ladder_features, calibration, and data_dirs naming the training datasets too)
    a row `linear / measured levels`, the ceiling table's linear model. A method's own row against its
    measured-descriptions row: what its describing loses on unseen content; that row against -1: what
    the described features carry of the distortions there."""
    import pandas as pd

    from reasoniqa import UserError
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_table
    from reasoniqa.layout import parse_prediction_path

    ladders, folders = {}, {}
    for folder in data_dirs:
        frame, meta = load_manifest(folder)
        folders[meta["name"]] = folder
        if meta.get("kind") == "ladder":
            ladders[meta["name"]] = (frame.set_index("name"), meta["distortions"])
    per = {}

    def add(rater: str, dataset: str, rhos: dict[str, float]) -> None:
        for d, rho in rhos.items():
            per.setdefault((rater, dataset, d), []).append(rho)

    for files, suffix in [(pred_files, ""), (rated, f" / {MEASURED}")]:
        for f in files:
            key = parse_prediction_path(f)
            if key["dataset"] not in ladders:
                raise UserError(f"{f}: {key['dataset']!r} is not a ladder dataset among --data")
            frame, distortions = ladders[key["dataset"]]
            pred = pd.read_csv(f, keep_default_na=False).set_index("name")
            missing = frame.index.difference(pred.index)
            if len(missing):
                raise UserError(f"{f}: no prediction for {missing[0]!r} ({len(missing)} missing)")
            add(key["method"] + suffix, key["dataset"], ladder_srcc(frame, pred.loc[frame.index, "pred_score"], distortions))
    if linear:
        add_linear(linear, folders, ladders, add)
    rows = [{"method": m, "dataset": ds, "distortion": d, "seeds": len(v) if m != LINEAR else np.nan,
             "srcc_score_vs_strength": float(np.mean(v))}
            for (m, ds, d), v in sorted(per.items())]
    table = pd.DataFrame(rows)
    means = table.groupby(["method", "dataset"]).agg(seeds=("seeds", "max"),
                                                     srcc_score_vs_strength=("srcc_score_vs_strength", "mean"))
    table = pd.concat([table, means.reset_index().assign(distortion="mean")], ignore_index=True)
    order = list(dict.fromkeys(d for _, distortions in ladders.values() for d in distortions)) + ["mean"]
    table["distortion"] = pd.Categorical(table["distortion"], order, ordered=True)
    table = table.sort_values(["method", "dataset", "distortion"]).reset_index(drop=True)
    table["seeds"] = table["seeds"].astype("Int64")  # empty on the fitted rows
    write_table(table_path, table, ".3f")


def add_linear(linear: dict, folders: dict[str, str], ladders: dict, add) -> None:
    """The ceiling's linear model on measured levels, fitted on the training datasets' training split, scored
    on each ladder dataset's measured features."""
    from pathlib import Path

    import pandas as pd

    from reasoniqa import UserError
    from reasoniqa.features import levels_of
    from reasoniqa.labels import load_thresholds
    from reasoniqa.tables.ceiling import fit_level_model, level_design, measured_split

    thresholds = load_thresholds(linear["calibration"])
    train = pd.concat([measured_split(f, folders, "train") for f in linear["train_features"]], ignore_index=True)
    w = fit_level_model(train, thresholds)
    for feature_file in linear["ladder_features"]:
        dataset = Path(feature_file).stem
        if dataset not in ladders:
            raise UserError(f"{feature_file}: {dataset!r} is not a ladder dataset among --data")
        frame, distortions = ladders[dataset]
        measured = measured_split(feature_file, folders, "test").set_index("name").loc[frame.index]
        scores = level_design([levels_of(r, thresholds) for _, r in measured.iterrows()]) @ w
        add(LINEAR, dataset, ladder_srcc(frame, scores, distortions))
