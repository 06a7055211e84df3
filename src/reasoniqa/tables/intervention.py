"""Table 5: does the score follow an edited description? (the edits: reasoniqa.intervention)"""

from __future__ import annotations

import numpy as np

from reasoniqa.io import write_json, write_table
from reasoniqa.layout import parse_prediction_path
from reasoniqa.tables.common import metrics_of


def intervention_table(files: list[str], cfg: dict):
    """Per (method, dataset) and an average row per method: edits scored; `right`, the share of an
    image's edits that moved the score in the expected direction, and `mean_shift`, its mean shift toward
    that direction (1-5 scale), both averaged over images (each image counts once) and seeds, with 95%
    two-level bootstrap intervals over seeds and images; `right_worse` / `right_better`: the share over
    all edits that wrote a degradation in / out."""
    import pandas as pd

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
    table = intervention_table(files, cfg)
    write_table(table_path, table, ".4f", latex=True)
    write_json(metrics_path, metrics_of(table, ["right", "right_worse", "right_better", "mean_shift"]))
