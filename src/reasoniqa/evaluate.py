"""Correlation table (Table 1 of the paper's kind) and metrics.json from prediction files."""

from __future__ import annotations

import math
import re
from pathlib import Path

from reasoniqa import UserError
from reasoniqa.io import write_json, write_table
from reasoniqa.metrics import correlations

PRED_PATH = re.compile(r"(?P<method>[^/]+)/seed(?P<seed>\d+)/(?P<dataset>[^/]+)\.csv$")


def parse_prediction_path(path: str) -> dict:
    m = PRED_PATH.search(Path(path).as_posix())
    if not m:
        raise UserError(f"prediction file {path} is not named <method>/seed<S>/<dataset>.csv")
    return {"method": m["method"], "seed": int(m["seed"]), "dataset": m["dataset"]}


def correlation_rows(pred_files: list[str]):
    """One row per (method, dataset, seed)."""
    import pandas as pd

    rows = []
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f)
        rows.append({**key, "n": len(pred), **correlations(pred["pred_score"], pred["score"])})
    return pd.DataFrame(rows)


def table1(per_seed):
    """Mean over seeds per (method, dataset), plus an average row per method as in the paper."""
    import pandas as pd

    grouped = per_seed.groupby(["method", "dataset"], sort=True)
    table = grouped.agg(seeds=("seed", "nunique"), n=("n", "first"), srcc=("srcc", "mean"),
                        plcc=("plcc", "mean"), krcc=("krcc", "mean")).reset_index()
    avg = table.groupby("method", sort=True)[["srcc", "plcc", "krcc"]].mean().reset_index()
    avg["dataset"], avg["seeds"], avg["n"] = "average", table.groupby("method")["seeds"].min().values, 0
    return pd.concat([table, avg[table.columns]], ignore_index=True)


def _clean(value):
    return None if isinstance(value, float) and math.isnan(value) else round(float(value), 6)


def evaluate(cfg: dict, pred_files: list[str], table_path: str, metrics_path: str) -> None:
    table = table1(correlation_rows(pred_files))
    write_table(table_path, table, ".4f")
    metrics = {
        f"{r.method}/{r.dataset}": {"srcc": _clean(r.srcc), "plcc": _clean(r.plcc), "krcc": _clean(r.krcc)}
        for r in table.itertuples(index=False)
    }
    write_json(metrics_path, metrics)


def description_accuracy(pred_files: list[str], feature_files: list[str], calibration: str,
                         table_path: str) -> None:
    """How often generated descriptions name the measured feature level (stage-1 feature accuracy),
    per method with descriptions x dataset; `complete` is the share naming all six features once."""
    import pandas as pd

    from reasoniqa.descriptions import parse
    from reasoniqa.features import FEATURES, levels_of
    from reasoniqa.labels import load_thresholds

    thresholds = load_thresholds(calibration)
    features = {Path(f).stem: pd.read_csv(f).set_index("name") for f in feature_files}
    rows = []
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f, keep_default_na=False)
        if not pred["description"].astype(str).str.len().any() or key["dataset"] not in features:
            continue
        feats = features[key["dataset"]]
        parsed = [parse(str(d)) for d in pred["description"]]
        truth = [levels_of(feats.loc[n], thresholds) for n in pred["name"]]
        row = {**key, "n": len(pred),
               "complete": sum(all(v is not None for v in p.values()) for p in parsed) / len(pred)}
        for feat in FEATURES:
            row[feat] = sum(p[feat] == t[feat] for p, t in zip(parsed, truth)) / len(pred)
        row["mean"] = sum(row[feat] for feat in FEATURES) / len(FEATURES)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["method", "dataset", "seed", "n", "complete", *FEATURES, "mean"])
    table = table.sort_values(["method", "dataset", "seed"]).reset_index(drop=True)
    write_table(table_path, table, ".3f")
