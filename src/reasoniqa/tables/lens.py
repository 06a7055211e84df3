"""Table 4: logit-lens aggregates per method (settle layer, distinct top-1 tokens, level flips)."""

from __future__ import annotations



def lens_summary(samples: list[dict]):
    """Per method x dataset (and an 'all' row per method): how the answer forms across layers."""
    import numpy as np
    import pandas as pd

    rows = [{"method": s["method"], "dataset": s["dataset"], "settle_layer": s["settle_layer"],
             "layers": len(s["top1"]) - 1, "distinct_top1": s["distinct_top1"], "level_flip": s["level_flip"],
             "output_level_mass": s["level_mass"][-1],
             "intermediate_level_mass": float(np.mean(s["level_mass"][1:-1])) if len(s["level_mass"]) > 2 else np.nan}
            for s in samples]
    frame = pd.DataFrame(rows)
    agg = {"n": ("settle_layer", "size"), "layers": ("layers", "first"), "settle_layer": ("settle_layer", "mean"),
           "distinct_top1": ("distinct_top1", "mean"), "level_flip_rate": ("level_flip", "mean"),
           "intermediate_level_mass": ("intermediate_level_mass", "mean"),
           "output_level_mass": ("output_level_mass", "mean")}
    per = frame.groupby(["method", "dataset"], sort=True).agg(**agg).reset_index()
    overall = frame.groupby("method", sort=True).agg(**agg).reset_index().assign(dataset="all")
    return pd.concat([per, overall[per.columns]], ignore_index=True)
