"""Table 3: how much of a rating its own description explains, and how often the two contradict."""

from __future__ import annotations

from reasoniqa.io import write_json, write_table
from reasoniqa.layout import parse_prediction_path
from reasoniqa.tables.common import metrics_of


def grounding_table(pred_files: list[str], cfg: dict):
    """Per (method with descriptions, dataset): how much of the predicted score the model's own
    described features explain (cross-validated R²) and the contradiction rate; means over seeds."""
    import pandas as pd

    from reasoniqa.features import described
    from reasoniqa.grounding import grounding_stats

    rows = []
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f, keep_default_na=False)
        if not pred["description"].astype(str).str.len().any():
            continue  # a method that writes no description has nothing to ground
        stats_ = grounding_stats(list(pred["description"]), list(pred["pred_level"]), pred["pred_score"],
                                 cfg["levels"]["words"], cfg["evaluate"]["cv_folds"], cfg["evaluate"]["seed"],
                                 described(cfg["labels"].get("features")))
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


def write_grounding(cfg: dict, pred_files: list[str], table_path: str, metrics_path: str) -> None:
    table = grounding_table(pred_files, cfg)
    write_table(table_path, table, ".4f", latex=True)
    write_json(metrics_path, metrics_of(table, ["r2_cv", "contradiction"]))
