"""What several tables share: predictions loaded per (method, dataset), the metrics and plot files."""

from __future__ import annotations

import math

from reasoniqa import UserError
from reasoniqa.layout import parse_prediction_path


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
