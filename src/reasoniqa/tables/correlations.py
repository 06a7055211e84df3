"""Table 1: correlations with the ground truth, bootstrap intervals over seeds and images, paired
differences against the reference method, and a per-seed companion table."""

from __future__ import annotations

import numpy as np

from reasoniqa import UserError
from reasoniqa.io import write_json, write_table
from reasoniqa.metrics import (Resamples, correlations, draw_seed_weights, per_seed_correlation,
                               percentile_interval)
from reasoniqa.tables.common import load_predictions, metrics_of, write_plot_data


CORRELATIONS = ("srcc", "plcc", "plcc_fit", "krcc")


WITH_INTERVALS = ("srcc", "plcc")  # bootstrapped; the logistic fit is too slow to refit per resample


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


def write_correlations(cfg: dict, pred_files: list[str], table_path: str, metrics_path: str,
                       plot_path: str | None = None, per_seed_path: str | None = None) -> None:
    table, per_seed = table1(load_predictions(pred_files), cfg)
    write_table(table_path, table, ".4f", latex=True)
    if per_seed_path:
        write_table(per_seed_path, per_seed, ".4f")
    write_plot_data(plot_path, table, ["srcc", "plcc"])
    write_json(metrics_path, metrics_of(table, ["srcc", "plcc", "plcc_fit", "krcc", "d_srcc", "d_plcc"]))
