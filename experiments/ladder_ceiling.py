"""What perfect descriptions would give on the held-out ladders (issue #22 item 4): is the ladders' weak
fall of two_stage's score the describing (stage 1) or the rating (stage 2)?

On a finished run: measures every ladder image, then scores each ladder with (a) the ceiling's linear
model on measured levels, fitted on the training split as in the ceiling table, and (b) each describing
method's trained rater fed those measured descriptions (the ceiling's rate_measured_split), next to the
run's own ladder table (each method with its own descriptions). Spearman of score against strength per
distortion, as results/tables/ladders.csv. Writes <run>/results/experiments/ladder_ceiling.json.

    .venv/bin/python experiments/ladder_ceiling.py --run /tmp/benchrun_old
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from common import write_result


def ladder_srcc(frame, scores, distortions) -> dict[str, float]:
    """Spearman of score vs strength per distortion (each ladder's rungs with the pristine images), and the mean."""
    from scipy import stats

    from reasoniqa.data.manifest import parse_distortions

    applied = [parse_distortions(d) for d in frame["distortions"]]
    out = {}
    for d in distortions:
        on = np.array([not a or set(a) == {d} for a in applied])
        out[d] = float(stats.spearmanr(np.asarray(scores)[on], [a.get(d, 0.0) for a, k in zip(applied, on) if k]).statistic)
    out["mean"] = float(np.mean(list(out.values())))
    return out


def main() -> None:
    import pandas as pd

    from reasoniqa.config import load_config
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.features import levels_of
    from reasoniqa.labels import load_thresholds, measure_dataset
    from reasoniqa.layout import Layout
    from reasoniqa.methods import get_method
    from reasoniqa.splits import rate_measured_split
    from reasoniqa.tables.ceiling import fit_least_squares, level_design

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, help="a finished workflow tree (its results/ and resources/)")
    args = ap.parse_args()
    run = Path(args.run).resolve()
    os.chdir(run)
    layout = Layout(str(run / "results"), str(run / "resources"))
    cfg = load_config(run / "config/config.yaml")
    calibration = layout.artifact("calibration")
    thresholds = load_thresholds(calibration)
    ladder = cfg["ladder_datasets"][0]
    frame, meta = load_manifest(layout.dataset(ladder))
    out = {"run": str(run), "ladder": ladder, "images": len(frame)}
    with tempfile.TemporaryDirectory() as tmp:
        feats_csv = str(Path(tmp) / f"{ladder}.csv")
        measure_dataset(layout.dataset(ladder), feats_csv)
        feats = pd.read_csv(feats_csv).set_index("name").loc[frame["name"]]
        train = pd.concat([pd.read_csv(layout.features(d)).assign(dataset=d) for d in cfg["train_datasets"]])
        train_frames = pd.concat([load_manifest(layout.dataset(d), split="train")[0] for d in cfg["train_datasets"]])
        train = train.set_index("name").loc[train_frames["name"]]
        w = fit_least_squares(level_design([levels_of(r, thresholds) for _, r in train.iterrows()]),
                              train_frames["score"].to_numpy(float))
        linear = level_design([levels_of(r, thresholds) for _, r in feats.iterrows()]) @ w
        out["linear / measured levels"] = ladder_srcc(frame, linear, meta["distortions"])
        for method in [m for m in cfg["methods"] if get_method(m).describes]:
            base, adapter = get_method(method).model_paths(layout, 0, layout.artifact("base_model"))
            pred = str(Path(tmp) / f"{method}.csv")
            rate_measured_split(cfg, method, base, adapter, [layout.dataset(ladder)], [feats_csv], calibration,
                                "test", [pred])
            scores = pd.read_csv(pred, keep_default_na=False).set_index("name").loc[frame["name"], "pred_score"]
            out[f"{method} / measured descriptions"] = ladder_srcc(frame, scores.to_numpy(), meta["distortions"])
    own = pd.read_csv(run / "results/tables/ladders.csv")
    for method, part in own.groupby("method"):
        out[f"{method} / own descriptions (ladders.csv)"] = dict(zip(part["distortion"], part["srcc_score_vs_strength"].round(6)))
    for k, v in out.items():
        if isinstance(v, dict):
            print(f"{k:45s}", " ".join(f"{d} {x:+.2f}" for d, x in v.items()))
    write_result(run / "results", "ladder_ceiling", out)


if __name__ == "__main__":
    main()
