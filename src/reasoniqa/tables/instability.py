"""Table 2: instability of K sampled answers per image (measures: reasoniqa.instability)."""

from __future__ import annotations

import numpy as np

from reasoniqa.instability import MEASURES, PER_IMAGE, _nanmean, answer_stats
from reasoniqa.io import write_json, write_table
from reasoniqa.layout import parse_prediction_path
from reasoniqa.tables.common import metrics_of, write_plot_data


def instability_table(sample_files: list[str], cfg: dict):
    """Per (method, dataset, temperature): the measures with two-level bootstrap intervals (seeds and
    images resampled; the same resamples for every method of a dataset), the share of images with two
    valid answers, mean entropy and score spread (means over seeds); an average row per method and
    temperature averages the datasets (intervals from the averaged bootstrap distributions)."""
    import pandas as pd

    from reasoniqa.io import read_jsonl
    from reasoniqa.metrics import Resamples, draw_seed_weights, percentile_interval

    ev, words, weights = cfg["evaluate"], cfg["levels"]["words"], cfg["levels"]["weights"]
    default_t = cfg["instability"]["temperature"]
    per_seed: dict = {}
    for f in sample_files:
        key = parse_prediction_path(f)
        rows = sorted(read_jsonl(f), key=lambda r: r["name"])  # seeds aligned by image name
        stats_ = answer_stats([r["levels"] for r in rows], words, weights)
        group = (key["method"], key.get("temperature", default_t), key["dataset"])
        per_seed.setdefault(group, []).append((key["seed"], [r["name"] for r in rows], stats_))
    datasets = sorted({d for _, _, d in per_seed})
    out, dists = [], {}
    for (method, temperature, dataset), seeds in sorted(per_seed.items()):
        if len({tuple(names) for _, names, _ in seeds}) > 1:
            from reasoniqa import UserError

            raise UserError(f"the seeds of {method} on {dataset} sampled different images")
        stacked = {measure: np.stack([s[PER_IMAGE[measure]] for _, _, s in seeds]) for measure in MEASURES}
        n = stacked["instability"].shape[1]
        resamples = Resamples(len(seeds), n, ev["bootstrap"], ev["seed"] * 1000 + datasets.index(dataset),
                              draw_seed_weights(len(seeds), ev["bootstrap"], ev["seed"]))
        row = {"method": method, "temperature": float(temperature), "dataset": dataset, "seeds": len(seeds),
               "n": n, "k": cfg["instability"]["k"]}
        for measure, values in stacked.items():
            dists[(method, temperature, dataset, measure)] = dist = resamples.mean(values)
            row[measure] = _nanmean([_nanmean(v) for v in values])  # mean over seeds of each seed's mean
            row[f"{measure}_lo"], row[f"{measure}_hi"] = percentile_interval(dist, ev["confidence"])
        row["rated"] = float(np.isfinite(stacked["instability"]).mean())
        row["entropy_bits"] = _nanmean([_nanmean(s["entropy"]) for _, _, s in seeds])
        row["score_spread"] = _nanmean([_nanmean(s["spread"]) for _, _, s in seeds])
        out.append(row)
    table = pd.DataFrame(out)
    averages = []
    for (method, temperature), part in table.groupby(["method", "temperature"], sort=True):
        avg = {"method": method, "temperature": temperature, "dataset": "average", "seeds": int(part["seeds"].min()),
               "n": int(part["n"].sum()), "k": int(part["k"].iloc[0])}
        for measure in MEASURES:
            # undefined on any test set (no image with two valid answers): no average, as for its interval
            avg[measure] = float(part[measure].mean(skipna=False))
            avg[f"{measure}_lo"], avg[f"{measure}_hi"] = percentile_interval(
                np.mean([dists[(method, temperature, d, measure)] for d in part["dataset"]], axis=0),
                ev["confidence"])
        avg.update({c: _nanmean(part[c]) for c in ("rated", "entropy_bits", "score_spread")})
        averages.append(avg)
    return pd.concat([table, pd.DataFrame(averages)], ignore_index=True)[table.columns]


def write_instability(cfg: dict, sample_files: list[str], table_path: str, metrics_path: str,
                      plot_path: str | None = None) -> None:
    """Table 2: the measures at the configured temperature (`instability.temperature`)."""
    table = instability_table(sample_files, cfg).drop(columns="temperature")
    write_table(table_path, table, ".4f", latex=True)
    write_plot_data(plot_path, table, ["instability", "disagreement"])
    write_json(metrics_path, metrics_of(table, [*MEASURES, "entropy_bits", "score_spread"]))
