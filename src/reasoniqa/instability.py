"""The paper's repeated-query test (Table 2) and its temperature curve: how much K sampled answers to
the same image disagree.

Per image, over its K sampled answers that name a level (an answer naming none is not a rating; the
share of answers that do is reported as `valid_share`):
- `unstable`: 1 when those answers do not all give the same level (the paper's rate is its mean). It
  grows with K: more draws, more chances to disagree.
- `disagreement`: the probability that two of them, drawn without replacement, differ
  (1 - sum c(c-1) / (n(n-1)) over the level counts c): an unbiased estimate of the chance that two
  independent queries disagree, so its expectation does not depend on K.
Both need two valid answers; images with fewer are left out of them (`rated`: the share with two).
Also: the entropy (bits) of the valid levels and the std of their 1-5 scores.
"""

from __future__ import annotations

import warnings

import numpy as np

from reasoniqa.sampling import NO_LEVEL

MEASURES = ("instability", "disagreement", "valid_share")  # each with a two-level bootstrap interval
PER_IMAGE = {"instability": "unstable", "disagreement": "disagreement", "valid_share": "valid_share"}


def temperature_tag(t: float) -> str:
    """Folder of the samples drawn at temperature t (t0.1, t1, t0.05): up to three decimals, which the
    prediction-path pattern reads back; the config's temperatures must differ at that precision."""
    return "t" + f"{float(t):.3f}".rstrip("0").rstrip(".")


def answer_stats(level_lists: list[list[str]], words: list[str], weights) -> dict:
    """Per-image arrays (NaN where a measure is undefined): unstable, disagreement, valid_share,
    entropy, spread."""
    from scipy import stats

    weight = dict(zip(words, weights))
    out = {k: [] for k in ("unstable", "disagreement", "valid_share", "entropy", "spread")}
    for levels in level_lists:
        valid = [lv for lv in levels if lv != NO_LEVEL]
        n = len(valid)
        counts = np.unique(valid, return_counts=True)[1] if valid else np.zeros(0)
        out["valid_share"].append(n / len(levels) if levels else np.nan)
        out["unstable"].append(float(len(counts) > 1) if n >= 2 else np.nan)
        out["disagreement"].append(1 - float((counts * (counts - 1)).sum()) / (n * (n - 1)) if n >= 2 else np.nan)
        out["entropy"].append(float(stats.entropy(counts, base=2)) if n else np.nan)
        out["spread"].append(float(np.std([weight[lv] for lv in valid])) if n else np.nan)
    return {k: np.array(v, float) for k, v in out.items()}


def _nanmean(values) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all undefined: NaN, shown as empty
        return float(np.nanmean(values))


def instability_table(sample_files: list[str], cfg: dict):
    """Per (method, dataset, temperature): the measures with two-level bootstrap intervals (seeds and
    images resampled; the same resamples for every method of a dataset), the share of images with two
    valid answers, mean entropy and score spread (means over seeds); an average row per method and
    temperature averages the datasets (intervals from the averaged bootstrap distributions)."""
    import pandas as pd

    from reasoniqa.evaluate import parse_prediction_path
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
    from reasoniqa.evaluate import metrics_of, write_plot_data
    from reasoniqa.io import write_json, write_table

    table = instability_table(sample_files, cfg).drop(columns="temperature")
    write_table(table_path, table, ".4f", latex=True)
    write_plot_data(plot_path, table, ["instability", "disagreement"])
    write_json(metrics_path, metrics_of(table, [*MEASURES, "entropy_bits", "score_spread"]))


def write_temperature_curve(cfg: dict, sample_files: list[str], table_path: str, figure_path: str) -> None:
    """The measures against the sampling temperature per method (average over the test sets), as a
    table and a figure with the intervals."""
    from reasoniqa.io import write_table
    from reasoniqa.render import plot_temperature_curve

    table = instability_table(sample_files, cfg)
    table = table[table["dataset"] == "average"].drop(columns="dataset").reset_index(drop=True)
    write_table(table_path, table, ".4f")
    plot_temperature_curve(table, MEASURES, figure_path)
