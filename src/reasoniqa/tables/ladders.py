"""Held-out distortion ladders (reasoniqa.data.ladders): does each method's score fall as a distortion
grows, on content no split uses?"""

from __future__ import annotations

import numpy as np


def ladder_table(pred_files: list[str], data_dirs: list[str], table_path: str) -> None:
    """Per method and distortion: Spearman of the predicted score against the distortion's strength over
    every content's ladder (its pristine image at strength 0), mean over seeds; a `mean` row per method
    averages the distortions. A rater that sees the distortion scores it negative (score falls)."""
    import pandas as pd
    from scipy import stats

    from reasoniqa import UserError
    from reasoniqa.data.manifest import load_manifest, parse_distortions
    from reasoniqa.io import write_table
    from reasoniqa.layout import parse_prediction_path

    ladders = {}
    for folder in data_dirs:
        frame, meta = load_manifest(folder)
        ladders[meta["name"]] = (frame.set_index("name"), meta["distortions"])
    per = {}
    for f in pred_files:
        key = parse_prediction_path(f)
        if key["dataset"] not in ladders:
            raise UserError(f"{f}: no ladder dataset {key['dataset']!r} among --data")
        frame, distortions = ladders[key["dataset"]]
        pred = pd.read_csv(f, keep_default_na=False).set_index("name")
        missing = frame.index.difference(pred.index)
        if len(missing):
            raise UserError(f"{f}: no prediction for {missing[0]!r} ({len(missing)} missing)")
        pred = pred.loc[frame.index]
        applied = [parse_distortions(d) for d in frame["distortions"]]
        for d in distortions:
            on = [not a or set(a) == {d} for a in applied]  # this ladder's rungs and the pristine images
            strength = [a.get(d, 0.0) for a, keep in zip(applied, on) if keep]
            rho = stats.spearmanr(pred["pred_score"][on], strength).statistic
            per.setdefault((key["method"], key["dataset"], d), []).append(rho)
    rows = [{"method": m, "dataset": ds, "distortion": d, "seeds": len(v), "srcc_score_vs_strength": float(np.mean(v))}
            for (m, ds, d), v in sorted(per.items())]
    table = pd.DataFrame(rows)
    means = table.groupby(["method", "dataset"]).agg(seeds=("seeds", "max"),
                                                     srcc_score_vs_strength=("srcc_score_vs_strength", "mean"))
    table = pd.concat([table, means.reset_index().assign(distortion="mean")], ignore_index=True)
    order = list(dict.fromkeys(d for _, distortions in ladders.values() for d in distortions)) + ["mean"]
    table["distortion"] = pd.Categorical(table["distortion"], order, ordered=True)
    write_table(table_path, table.sort_values(["method", "dataset", "distortion"]).reset_index(drop=True), ".3f")
