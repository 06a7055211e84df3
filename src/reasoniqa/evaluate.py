"""The paper's tables: correlations with bootstrap intervals (Table 1), instability of sampled answers
(Table 2), the grounding of ratings in the model's own descriptions, stage-1 feature accuracy, and the
metrics files for `dvc metrics show`."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from reasoniqa import UserError
from reasoniqa.io import write_json, write_table
from reasoniqa.metrics import (bootstrap_distribution, correlations, percentile_interval,
                               resampled_correlation)

PRED_PATH = re.compile(r"(?P<method>[^/]+)/seed(?P<seed>\d+)/(?P<dataset>[^/]+)\.(csv|jsonl|json)$")
CORRELATIONS = ("srcc", "plcc", "plcc_fit", "krcc")
WITH_INTERVALS = ("srcc", "plcc")  # bootstrapped; the logistic fit is too slow to refit per resample


def parse_prediction_path(path: str) -> dict:
    m = PRED_PATH.search(Path(path).as_posix())
    if not m:
        raise UserError(f"prediction file {path} is not named <method>/seed<S>/<dataset>.csv")
    return {"method": m["method"], "seed": int(m["seed"]), "dataset": m["dataset"]}


def load_predictions(pred_files: list[str]) -> dict:
    """{(method, dataset): frame with name, score (target, higher = better) and pred_<seed> columns},
    images aligned by name across seeds."""
    import pandas as pd

    groups: dict = {}
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f, keep_default_na=False, na_values=[""])
        frame = pred[["name", "score"]].assign(**{f"pred_{key['seed']}": pred["pred_score"].to_numpy()})
        k = (key["method"], key["dataset"])
        if k not in groups:
            groups[k] = frame
            continue
        merged = groups[k].merge(frame.drop(columns="score"), on="name", how="inner")
        if len(merged) != len(groups[k]) or len(merged) != len(frame):
            raise UserError(f"{f}: its images differ from the other seeds' predictions of {k[0]} on {k[1]}")
        groups[k] = merged
    return groups


def _seed_matrix(frame) -> np.ndarray:
    return frame[[c for c in frame.columns if c.startswith("pred_")]].to_numpy(float).T


def table1(groups: dict, cfg: dict):
    """Per (method, dataset): correlations averaged over seeds, bootstrap intervals over images, and the
    paired difference to the reference method (same resampled images for both); an average row per
    method averages the datasets (its intervals from the averaged bootstrap distributions)."""
    import pandas as pd

    ev = cfg["evaluate"]
    ref = ev["reference_method"]
    datasets = sorted({d for _, d in groups})
    rows, dists = [], {}
    for (method, dataset), frame in sorted(groups.items()):
        # Independent resamples per dataset, the same ones for every method of a dataset (paired).
        seed = ev["seed"] * 1000 + datasets.index(dataset)
        preds, target = _seed_matrix(frame), frame["score"].to_numpy(float)
        per_seed = [correlations(p, target) for p in preds]
        row = {"method": method, "dataset": dataset, "seeds": len(preds), "n": len(frame)}
        row.update({m: float(np.mean([c[m] for c in per_seed])) for m in CORRELATIONS})
        ref_frame = groups.get((ref, dataset)) if method != ref else None
        if ref_frame is not None:
            names = frame["name"][frame["name"].isin(ref_frame["name"])]
            ours = _seed_matrix(frame.set_index("name").loc[names])
            theirs = _seed_matrix(ref_frame.set_index("name").loc[names])
            t = frame.set_index("name").loc[names, "score"].to_numpy(float)
        for kind in WITH_INTERVALS:
            dist = bootstrap_distribution(lambda idx: resampled_correlation(preds, target, idx, kind),
                                          len(frame), ev["bootstrap"], seed)
            dists[(method, dataset, kind)] = dist
            row[f"{kind}_lo"], row[f"{kind}_hi"] = percentile_interval(dist, ev["confidence"])
            if ref_frame is None:
                continue
            diff = bootstrap_distribution(lambda idx: resampled_correlation(ours, t, idx, kind)
                                          - resampled_correlation(theirs, t, idx, kind), len(t), ev["bootstrap"], seed)
            dists[(method, dataset, f"d_{kind}")] = diff
            row[f"d_{kind}"] = float(resampled_correlation(ours, t, np.arange(len(t)), kind)
                                     - resampled_correlation(theirs, t, np.arange(len(t)), kind))
            row[f"d_{kind}_lo"], row[f"d_{kind}_hi"] = percentile_interval(diff, ev["confidence"])
        rows.append(row)
    table = pd.DataFrame(rows)
    averages = []
    for method, part in table.groupby("method", sort=True):
        avg = {"method": method, "dataset": "average", "seeds": int(part["seeds"].min()), "n": int(part["n"].sum())}
        for col in [c for c in table.columns if c not in ("method", "dataset", "seeds", "n")]:
            avg[col] = float(part[col].mean())
        for kind in [*WITH_INTERVALS, *(f"d_{k}" for k in WITH_INTERVALS)]:
            stacked = [dists[(method, d, kind)] for d in part["dataset"] if (method, d, kind) in dists]
            if stacked and len(stacked) == len(part):
                avg[f"{kind}_lo"], avg[f"{kind}_hi"] = percentile_interval(np.mean(stacked, axis=0),
                                                                           ev["confidence"])
        averages.append(avg)
    return pd.concat([table, pd.DataFrame(averages)], ignore_index=True)[table.columns]


def instability_table(sample_files: list[str], cfg: dict):
    """Table 2: per (method, dataset) the instability rate with its bootstrap interval over images,
    mean level entropy and score spread (means over seeds); an average row per method."""
    import pandas as pd

    from reasoniqa.io import read_jsonl
    from reasoniqa.sampling import instability_stats

    ev, words, weights = cfg["evaluate"], cfg["levels"]["words"], cfg["levels"]["weights"]
    per_seed = {}
    for f in sample_files:
        key = parse_prediction_path(f)
        rows = read_jsonl(f)
        stats_ = instability_stats([r["levels"] for r in rows], words, weights)
        per_seed.setdefault((key["method"], key["dataset"]), []).append(stats_)
    datasets = sorted({d for _, d in per_seed})
    out, dists = [], {}
    for (method, dataset), seeds in sorted(per_seed.items()):
        unstable = np.stack([s["unstable"] for s in seeds])  # [S, N]
        dist = bootstrap_distribution(lambda idx: unstable[:, idx].mean(-1).mean(0), unstable.shape[1],
                                      ev["bootstrap"], ev["seed"] * 1000 + datasets.index(dataset))
        dists.setdefault(method, []).append(dist)
        lo, hi = percentile_interval(dist, ev["confidence"])
        out.append({"method": method, "dataset": dataset, "seeds": len(seeds), "n": unstable.shape[1],
                    "k": cfg["instability"]["k"], "instability": float(unstable.mean()),
                    "instability_lo": lo, "instability_hi": hi,
                    "entropy_bits": float(np.mean([s["entropy"].mean() for s in seeds])),
                    "score_spread": float(np.nanmean([np.nanmean(s["spread"]) for s in seeds]))})
    table = pd.DataFrame(out)
    avg = table.groupby("method", sort=True).agg(
        seeds=("seeds", "min"), n=("n", "sum"), k=("k", "first"), instability=("instability", "mean"),
        entropy_bits=("entropy_bits", "mean"), score_spread=("score_spread", "mean")).reset_index()
    avg["dataset"] = "average"
    # The average's interval: the datasets' bootstrap distributions (independent resamples) averaged.
    bounds = [percentile_interval(np.mean(dists[m], axis=0), ev["confidence"]) for m in avg["method"]]
    avg["instability_lo"], avg["instability_hi"] = [b[0] for b in bounds], [b[1] for b in bounds]
    return pd.concat([table, avg[table.columns]], ignore_index=True)


def grounding_table(pred_files: list[str], cfg: dict):
    """Per (method with descriptions, dataset): how much of the predicted score the model's own
    described features explain (cross-validated R²) and the contradiction rate; means over seeds."""
    import pandas as pd

    from reasoniqa.grounding import grounding_stats

    rows = []
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f, keep_default_na=False)
        if not pred["description"].astype(str).str.len().any():
            continue  # a method that writes no description has nothing to ground
        stats_ = grounding_stats(list(pred["description"]), list(pred["pred_level"]), pred["pred_score"],
                                 cfg["levels"]["words"], cfg["evaluate"]["cv_folds"], cfg["evaluate"]["seed"])
        rows.append({**key, **stats_})
    columns = ["method", "dataset", "seeds", "n", "complete", "r2_cv", "contradiction", "severe_good", "clean_bad"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    table = frame.groupby(["method", "dataset"], sort=True).agg(
        seeds=("seed", "nunique"), n=("n", "first"),
        **{c: (c, "mean") for c in columns[4:]}).reset_index()
    avg = table.groupby("method", sort=True)[columns[4:]].mean().reset_index()
    avg["dataset"], avg["seeds"], avg["n"] = "average", table.groupby("method")["seeds"].min().values, \
        table.groupby("method")["n"].sum().values
    return pd.concat([table, avg[table.columns]], ignore_index=True)


def _clean(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 6)


def metrics_of(table, columns: list[str]) -> dict:
    """{method: {dataset: {column: value}}} for `dvc metrics show` (NaN as null)."""
    out: dict = {}
    for r in table.to_dict("records"):
        out.setdefault(r["method"], {})[r["dataset"]] = {c: _clean(r[c]) for c in columns if c in r}
    return out


def write_plot_data(path: str | None, table, columns: list[str]) -> None:
    """A 'method/dataset' labelled CSV for `dvc plots show`."""
    if path:
        from reasoniqa.io import write_csv

        write_csv(path, table.assign(row=table["method"] + "/" + table["dataset"])[["row", *columns]])


def write_correlations(cfg: dict, pred_files: list[str], table_path: str, metrics_path: str,
                       plot_path: str | None = None) -> None:
    table = table1(load_predictions(pred_files), cfg)
    write_table(table_path, table, ".4f", latex=True)
    write_plot_data(plot_path, table, ["srcc", "plcc"])
    write_json(metrics_path, metrics_of(table, ["srcc", "plcc", "plcc_fit", "krcc", "d_srcc", "d_plcc"]))


def write_instability(cfg: dict, sample_files: list[str], table_path: str, metrics_path: str,
                      plot_path: str | None = None) -> None:
    table = instability_table(sample_files, cfg)
    write_table(table_path, table, ".4f", latex=True)
    write_plot_data(plot_path, table, ["instability"])
    write_json(metrics_path, metrics_of(table, ["instability", "entropy_bits", "score_spread"]))


def write_grounding(cfg: dict, pred_files: list[str], table_path: str, metrics_path: str) -> None:
    table = grounding_table(pred_files, cfg)
    write_table(table_path, table, ".4f", latex=True)
    write_json(metrics_path, metrics_of(table, ["r2_cv", "contradiction"]))


def merge_metrics(parts: dict[str, str], out: str) -> None:
    """results/metrics.json: one section per table ({section: metrics file})."""
    import json

    write_json(out, {name: json.loads(Path(path).read_text()) for name, path in parts.items()})


def feature_agreement(parsed: list[dict], truth: list[dict]) -> dict[str, float]:
    """Per feature, the share of descriptions (parsed) that name the true level."""
    from reasoniqa.features import FEATURES

    return {f: sum(p[f] == t[f] for p, t in zip(parsed, truth)) / len(truth) for f in FEATURES}


def majority_agreement(truth: list[dict]) -> dict[str, float]:
    """Per feature, the share of its most common true level: the best constant answer's agreement."""
    from collections import Counter

    from reasoniqa.features import FEATURES

    return {f: Counter(t[f] for t in truth).most_common(1)[0][1] / len(truth) for f in FEATURES}


def description_accuracy(pred_files: list[str], feature_files: list[str], calibration: str,
                         table_path: str) -> None:
    """How often generated descriptions name the measured feature level (stage-1 feature accuracy),
    per method with descriptions x dataset; `complete` is the share naming all six features once.
    A `majority_level` row per dataset is the best constant answer: always naming each feature's most
    common level among those images (what a model that learned nothing but the prior would reach)."""
    import pandas as pd

    from reasoniqa.descriptions import names_every_feature, parse
    from reasoniqa.features import FEATURES, levels_of
    from reasoniqa.labels import load_thresholds

    thresholds = load_thresholds(calibration)
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
               "complete": sum(map(names_every_feature, parsed)) / len(pred)}
        row.update(feature_agreement(parsed, truth))
        row["mean"] = sum(row[feat] for feat in FEATURES) / len(FEATURES)
        rows.append(row)
        if key["dataset"] not in majority:
            best = majority_agreement(truth)
            majority[key["dataset"]] = {"method": "majority_level", "dataset": key["dataset"], "n": len(pred),
                                        **best, "mean": sum(best.values()) / len(FEATURES)}
    rows += majority.values()
    table = pd.DataFrame(rows, columns=["method", "dataset", "seed", "n", "complete", *FEATURES, "mean"])
    table = table.sort_values(["method", "dataset", "seed"]).reset_index(drop=True)
    table["seed"] = table["seed"].astype("Int64")  # whole numbers; empty on the majority rows
    write_table(table_path, table, ".3f")
