"""The ceiling of two-stage inference: how well quality follows from a *perfect* stage 1's descriptions.

Stage 2 reads only the description, so its accuracy is bounded by what the described feature levels
carry. Rows per test set:
- `linear / measured levels`: a linear model on the one-hot measured levels (what a perfect stage 1
  names), fitted by least squares on the training datasets' training split: the reference the other
  rows are compared with ("the ceiling"; a reference, not a bound: a trained rater may pass it, and
  `srcc_below_ceiling` is then negative);
- `linear / measured values`: the same on the raw measurements (what quantizing into levels costs);
- `linear / applied levels` (stand-ins only: their recipe is known): the ceiling's model on the levels a
  *perfect measurement* would name (labels.true_level); against the ceiling, what the estimators lose;
- `linear / applied strengths` (the same): a linear model on each feature's applied strength and its
  square (labels.true_strength; exposure signed, its magnitude too): how far quality follows the described
  features at all; against the applied levels, what naming four levels costs. Both are fitted when every
  training dataset is a stand-in, and given for each stand-in test set;
- `<method> / measured descriptions`: the trained rater fed a perfect stage 1's descriptions
  (rule rate_measured_split), mean over seeds;
- `<method> / own descriptions`: the method as evaluated in Table 1, and its distance to the ceiling.
"""

from __future__ import annotations

import numpy as np

from reasoniqa.io import write_table
from reasoniqa.layout import parse_prediction_path

CEILING = "linear / measured levels"
APPLIED = ("linear / applied strengths", "linear / applied levels")


def level_design(levels: list[dict]) -> np.ndarray:
    """[N, 1 + sum(levels - 1)]: an intercept and one indicator per level after the first of each feature
    the rows hold (features.levels_of: the described ones)."""
    from reasoniqa.features import FEATURES, LEVELS

    cols = [np.ones(len(levels))]
    for f in [f for f in FEATURES if levels and f in levels[0]]:
        for lvl in LEVELS[f][1:]:
            cols.append(np.array([row[f] == lvl for row in levels], float))
    return np.stack(cols, axis=1)


def value_design(values, features: list[str], mean, std) -> np.ndarray:
    """An intercept and the standardized measurements of `features`."""
    z = (values[features].to_numpy(float) - mean) / std
    return np.column_stack([np.ones(len(z)), z])


def applied_design(strengths: np.ndarray, features: list[str], levels: bool) -> np.ndarray:
    """[N, k] from applied strengths [N, FEATURES] (labels.applied_strengths): an intercept and, per
    feature of `features`, its strength and square (exposure, signed, its magnitude too) or, with
    `levels`, one indicator per level after the first of the level it names."""
    from reasoniqa.features import FEATURES, LEVELS
    from reasoniqa.labels import true_level

    cols = [np.ones(len(strengths))]
    for f in features:
        s = strengths[:, FEATURES.index(f)]
        if levels:
            named = [true_level(v, f) for v in s]
            cols += [np.array([n == lvl for n in named], float) for lvl in LEVELS[f][1:]]
        else:
            cols += [s, s**2] + ([np.abs(s)] if f == "exposure" else [])
    return np.stack(cols, axis=1)


def fit_least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights of a linear model (scipy.linalg.lstsq: minimum-norm where levels never occur)."""
    from scipy.linalg import lstsq

    return lstsq(x, y)[0]


def measured_split(feature_file: str, data_dirs: dict[str, str], split: str, synthetic: dict | None = None):
    """A dataset's split (its name: the features file's stem) with scores, applied distortions and measured
    features; every image must have been measured. `synthetic`, if given, records whether it is a stand-in."""
    import pandas as pd

    from reasoniqa import UserError
    from reasoniqa.data.manifest import load_manifest

    dataset = _stem(feature_file)
    if dataset not in data_dirs:
        raise UserError(f"{feature_file}: no dataset folder for {dataset!r} among --data")
    frame, meta = load_manifest(data_dirs[dataset], split=split)
    if synthetic is not None:
        synthetic[dataset] = meta.get("kind") == "synthetic"
    out = frame[["name", "score", "distortions"]].merge(pd.read_csv(feature_file), on="name")
    if len(out) != len(frame):
        raise UserError(f"{feature_file}: {len(frame) - len(out)} images of {dataset}'s {split} split have no "
                        "measured features: rerun the features step")
    return out


def fit_level_model(train, thresholds: dict) -> np.ndarray:
    """The ceiling's rater: a linear model on one-hot measured levels, fitted to the training split's scores
    (`train`: measured_split of the training datasets, concatenated); predict with level_design(...) @ w."""
    from reasoniqa.features import levels_of

    return fit_least_squares(level_design([levels_of(r, thresholds) for _, r in train.iterrows()]),
                             train["score"].to_numpy())


def ceiling_table(train_features: list[str], test_features: dict[str, str], data_dirs: dict[str, str],
                  calibration: str, rated: list[str], own: list[str], table_path: str) -> None:
    """Write the ceiling table (see the module docstring). `test_features`/`data_dirs`: dataset -> file;
    `rated`: predictions of raters fed measured descriptions; `own`: the same methods' own predictions."""
    import pandas as pd

    from reasoniqa.features import levels_of
    from reasoniqa.labels import applied_strengths, load_thresholds
    from reasoniqa.metrics import correlations

    synthetic = {}  # dataset -> whether it is a stand-in (its applied strengths known)
    thresholds = load_thresholds(calibration)  # of the described features: every row reads only those
    named = list(thresholds)  # load_thresholds keeps FEATURES order
    train = pd.concat([measured_split(f, data_dirs, "train", synthetic) for f in train_features], ignore_index=True)
    mean, std = train[named].mean().to_numpy(), train[named].std().to_numpy() + 1e-12
    w_levels = fit_level_model(train, thresholds)
    w_values = fit_least_squares(value_design(train, named, mean, std), train["score"].to_numpy())
    tests = {dataset: measured_split(feat_file, data_dirs, "test", synthetic)
             for dataset, feat_file in sorted(test_features.items())}
    # a perfect measurement: fitted where every training dataset is a stand-in, rows for the stand-in test sets
    w_applied = {}
    if all(synthetic[_stem(f)] for f in train_features):
        strengths = applied_strengths(train["distortions"])
        w_applied = {levels: fit_least_squares(applied_design(strengths, named, levels), train["score"].to_numpy())
                     for levels in (False, True)}
    rows = []
    for dataset, test in tests.items():
        target = test["score"].to_numpy()
        levels = [levels_of(r, thresholds) for _, r in test.iterrows()]
        raters = [(CEILING, level_design(levels) @ w_levels),
                  ("linear / measured values", value_design(test, named, mean, std) @ w_values)]
        if synthetic[dataset] and w_applied:
            strengths = applied_strengths(test["distortions"])
            raters += [(APPLIED[lv], applied_design(strengths, named, lv) @ w) for lv, w in w_applied.items()]
        for rater, pred in raters:
            rows.append({"rater": rater, "dataset": dataset, "seeds": np.nan, "n": len(test),
                         **_corr(correlations(pred, target))})
    for files, what in [(rated, "measured descriptions"), (own, "own descriptions")]:
        per = {}
        for f in files:
            key = parse_prediction_path(f)
            pred = pd.read_csv(f, keep_default_na=False)
            per.setdefault((key["method"], key["dataset"]), []).append(
                (len(pred), correlations(pred["pred_score"], pred["score"])))
        for (method, dataset), runs in sorted(per.items()):
            rows.append({"rater": f"{method} / {what}", "dataset": dataset, "seeds": len(runs), "n": runs[0][0],
                         **{m: float(np.mean([c[m] for _, c in runs])) for m in ("srcc", "plcc")}})
    table = pd.DataFrame(rows)
    means = table.groupby("rater", sort=False)[["srcc", "plcc"]].mean().reset_index()
    table = pd.concat([table, means.assign(dataset="mean", seeds=np.nan, n=np.nan)], ignore_index=True)
    ceiling = table[table["rater"] == CEILING].set_index("dataset")["srcc"]
    table["srcc_below_ceiling"] = ceiling.reindex(table["dataset"]).to_numpy() - table["srcc"]
    table["seeds"] = table["seeds"].astype("Int64")  # empty on the fitted and mean rows
    table["n"] = table["n"].astype("Int64")
    write_table(table_path, table, ".3f")


def _stem(path: str) -> str:
    from pathlib import Path

    return Path(path).stem


def _corr(c: dict) -> dict:
    return {"srcc": c["srcc"], "plcc": c["plcc"]}
