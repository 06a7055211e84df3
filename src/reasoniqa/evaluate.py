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
from reasoniqa.metrics import (Resamples, correlations, draw_seed_weights, per_seed_correlation,
                               percentile_interval)

# <method>/seed<S>/[t<temperature>/]<dataset>.<ext>: the layout of predictions, samples and analyses
PRED_PATH = re.compile(r"(?P<method>[^/]+)/seed(?P<seed>\d+)/(?:t(?P<temperature>\d+(?:\.\d+)?)/)?"
                       r"(?P<dataset>[^/]+)\.(csv|jsonl|json)$")
CORRELATIONS = ("srcc", "plcc", "plcc_fit", "krcc")
WITH_INTERVALS = ("srcc", "plcc")  # bootstrapped; the logistic fit is too slow to refit per resample


def parse_prediction_path(path: str) -> dict:
    m = PRED_PATH.search(Path(path).as_posix())
    if not m:
        raise UserError(f"{path} is not named <method>/seed<S>/[t<temperature>/]<dataset>.csv|jsonl|json")
    key = {"method": m["method"], "seed": int(m["seed"]), "dataset": m["dataset"]}
    if m["temperature"] is not None:
        key["temperature"] = float(m["temperature"])
    return key


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


def _seed_numbers(frame) -> list[int]:
    return [int(c[len("pred_"):]) for c in frame.columns if c.startswith("pred_")]


def _mean_of_fits(values: list[float]) -> tuple[float, int]:
    """Mean PLCC after the logistic fit over the seeds whose fit converged, and how many failed."""
    ok = [v for v in values if np.isfinite(v)]
    return (float(np.mean(ok)) if ok else float("nan")), len(values) - len(ok)


def table1(groups: dict, cfg: dict):
    """Table 1 and its per-seed companion.

    Per (method, dataset): correlations averaged over seeds, two-level bootstrap intervals (seeds and
    images resampled), and the paired difference to the reference method (same resampled seeds and
    images for both). PLCC after the logistic fit is the mean over the seeds whose fit converged;
    `plcc_fit_failed` counts the others. An average row per method averages the datasets: its intervals
    come from the averaged bootstrap distributions, and its fitted PLCC is empty when any dataset's fit
    failed. The per-seed table gives each seed's correlations and paired differences (image bootstrap)."""
    import pandas as pd

    ev = cfg["evaluate"]
    ref = ev["reference_method"]
    datasets = sorted({d for _, d in groups})
    rows, per_seed_rows, dists = [], [], {}
    for (method, dataset), frame in sorted(groups.items()):
        # Independent resamples per dataset, the same ones for every method of a dataset (paired).
        seed = ev["seed"] * 1000 + datasets.index(dataset)
        preds, target = _seed_matrix(frame), frame["score"].to_numpy(float)
        weights = draw_seed_weights(len(preds), ev["bootstrap"], ev["seed"])  # shared by the test sets
        per_seed = [correlations(p, target) for p in preds]
        row = {"method": method, "dataset": dataset, "seeds": len(preds), "n": len(frame)}
        row.update({m: float(np.mean([c[m] for c in per_seed])) for m in CORRELATIONS if m != "plcc_fit"})
        row["plcc_fit"], row["plcc_fit_failed"] = _mean_of_fits([c["plcc_fit"] for c in per_seed])
        seed_rows = [{"method": method, "dataset": dataset, "seed": s, "n": len(frame),
                      **{m: c[m] for m in CORRELATIONS}} for s, c in zip(_seed_numbers(frame), per_seed)]
        ref_frame = groups.get((ref, dataset)) if method != ref else None
        if ref_frame is not None:
            if _seed_numbers(ref_frame) != _seed_numbers(frame):
                raise UserError(f"{method} on {dataset} has seeds {_seed_numbers(frame)} but the reference "
                                f"{ref} has {_seed_numbers(ref_frame)}: paired differences need the same seeds")
            names = frame["name"][frame["name"].isin(ref_frame["name"])]
            ours = _seed_matrix(frame.set_index("name").loc[names])
            theirs = _seed_matrix(ref_frame.set_index("name").loc[names])
            t = frame.set_index("name").loc[names, "score"].to_numpy(float)
            paired = Resamples(len(preds), len(t), ev["bootstrap"], seed, weights)
            single = Resamples(1, len(t), ev["bootstrap"], seed)  # each seed alone, for the per-seed table
        resamples = Resamples(len(preds), len(frame), ev["bootstrap"], seed, weights)
        for kind in WITH_INTERVALS:
            dists[(method, dataset, kind)] = dist = resamples.correlation(preds, target, kind)
            row[f"{kind}_lo"], row[f"{kind}_hi"] = percentile_interval(dist, ev["confidence"])
            if ref_frame is None:
                continue
            dists[(method, dataset, f"d_{kind}")] = diff = paired.paired_difference(ours, theirs, kind, t)
            everything = np.arange(len(t))
            seed_diffs = (per_seed_correlation(ours, t, everything, kind)
                          - per_seed_correlation(theirs, t, everything, kind))
            row[f"d_{kind}"] = float(seed_diffs.mean())
            row[f"d_{kind}_lo"], row[f"d_{kind}_hi"] = percentile_interval(diff, ev["confidence"])
            for i, seed_row in enumerate(seed_rows):
                seed_row[f"d_{kind}"] = float(seed_diffs[i])
                seed_row[f"d_{kind}_lo"], seed_row[f"d_{kind}_hi"] = percentile_interval(
                    single.paired_difference(ours[i:i + 1], theirs[i:i + 1], kind, t), ev["confidence"])
        rows.append(row)
        per_seed_rows += seed_rows
    table = pd.DataFrame(rows)
    averages = []
    for method, part in table.groupby("method", sort=True):
        avg = {"method": method, "dataset": "average", "seeds": int(part["seeds"].min()), "n": int(part["n"].sum())}
        for col in [c for c in table.columns if c not in ("method", "dataset", "seeds", "n")]:
            # bounds are never averaged: an interval of the average comes from the distributions below
            avg[col] = float("nan") if col.endswith(("_lo", "_hi")) else float(part[col].mean())
        avg["plcc_fit_failed"] = int(part["plcc_fit_failed"].sum())
        if avg["plcc_fit_failed"]:
            avg["plcc_fit"] = float("nan")  # a dataset without a fit: no average to give (see the count)
        for kind in [*WITH_INTERVALS, *(f"d_{k}" for k in WITH_INTERVALS)]:
            stacked = [dists[(method, d, kind)] for d in part["dataset"] if (method, d, kind) in dists]
            if stacked and len(stacked) == len(part):
                avg[f"{kind}_lo"], avg[f"{kind}_hi"] = percentile_interval(np.mean(stacked, axis=0),
                                                                           ev["confidence"])
        averages.append(avg)
    table = pd.concat([table, pd.DataFrame(averages)], ignore_index=True)[table.columns]
    table["plcc_fit_failed"] = table["plcc_fit_failed"].astype(int)
    seed_columns = ["method", "dataset", "seed", "n", *CORRELATIONS,
                    *(f"d_{k}{suffix}" for k in WITH_INTERVALS for suffix in ("", "_lo", "_hi"))]
    return table, pd.DataFrame(per_seed_rows).reindex(columns=seed_columns)


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
                       plot_path: str | None = None, per_seed_path: str | None = None) -> None:
    table, per_seed = table1(load_predictions(pred_files), cfg)
    write_table(table_path, table, ".4f", latex=True)
    if per_seed_path:
        write_table(per_seed_path, per_seed, ".4f")
    write_plot_data(plot_path, table, ["srcc", "plcc"])
    write_json(metrics_path, metrics_of(table, ["srcc", "plcc", "plcc_fit", "krcc", "d_srcc", "d_plcc"]))


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
